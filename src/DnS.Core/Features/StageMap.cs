namespace DnS.Core.Features;

/// <summary>
/// One backbone stage's activations for a batch of frames, NCHW row-major (PyTorch layout):
/// element (n, c, h, w) is at <c>((n·C + c)·H + h)·W + w</c>.
/// </summary>
/// <param name="Data">The activations; at least N·C·H·W floats.</param>
/// <param name="Count">N, frames in the batch.</param>
/// <param name="Channels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
public readonly record struct StageMap(ReadOnlyMemory<float> Data, int Count, int Channels, int Height, int Width)
{
    /// <summary>Floats per frame, C·H·W.</summary>
    public int FrameLength => Channels * Height * Width;
}
