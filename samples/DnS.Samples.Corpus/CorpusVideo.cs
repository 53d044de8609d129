namespace DnS.Samples.Corpus;

/// <summary>One video of a <see cref="SyntheticCorpus"/>.</summary>
/// <param name="Id">Id (file name without extension).</param>
/// <param name="Path">The file.</param>
/// <param name="Source">The source clip it derives from (distractors are their own source).</param>
/// <param name="Transform">The edit applied: <c>original</c>, <c>distractor</c>, or a transform name.</param>
public sealed record CorpusVideo(string Id, string Path, string Source, string Transform)
{
    /// <summary>Whether this is a query (an untouched source clip that has copies).</summary>
    public bool IsQuery => Transform == SyntheticCorpus.OriginalTransform;
}
