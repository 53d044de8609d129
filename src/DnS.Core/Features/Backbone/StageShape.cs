namespace DnS.Core.Features.Backbone;

/// <summary>Per-frame shape of one stage map, C×H×W.</summary>
internal readonly record struct StageShape(int Channels, int Height, int Width)
{
    /// <summary>Floats per frame.</summary>
    public int FrameLength => Channels * Height * Width;
}
