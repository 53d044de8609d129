namespace DnS.Core.Features;

/// <summary>A video's region features: <see cref="Frames"/> × <see cref="Regions"/> × <see cref="Dimensions"/> floats, row-major.</summary>
/// <param name="Values">The features.</param>
/// <param name="Frames">T.</param>
/// <param name="Regions">R.</param>
/// <param name="Dimensions">D.</param>
public sealed record RegionFeatures(float[] Values, int Frames, int Regions, int Dimensions);
