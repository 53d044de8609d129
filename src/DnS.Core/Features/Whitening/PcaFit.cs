namespace DnS.Core.Features.Whitening;

/// <summary>The outcome of <see cref="PcaFitter.FitAsync"/>.</summary>
/// <param name="Whitening">The learned whitening.</param>
/// <param name="Vectors">Region vectors it was learned from.</param>
/// <param name="Videos">Videos those vectors came from.</param>
/// <param name="Skipped">Videos that could not be decoded, with the reason (the fit went on without them).</param>
public sealed record PcaFit(PcaWhitening Whitening, long Vectors, int Videos, IReadOnlyList<(string Path, string Reason)> Skipped);
