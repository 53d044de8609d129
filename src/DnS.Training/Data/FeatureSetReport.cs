namespace DnS.Training.Data;

/// <summary>What a <see cref="FeatureSetBuilder"/> run did.</summary>
/// <param name="Extracted">Ids extracted and committed by this run, in completion order.</param>
/// <param name="Skipped">Ids already in the store (a resumed run), left untouched.</param>
/// <param name="Failed">Videos that could not be extracted.</param>
/// <param name="Frames">Frames extracted by this run.</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record FeatureSetReport(IReadOnlyList<string> Extracted, IReadOnlyList<string> Skipped, IReadOnlyList<FeatureSetFailure> Failed, long Frames, TimeSpan Elapsed);
