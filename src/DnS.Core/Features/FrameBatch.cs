namespace DnS.Core.Features;

/// <summary>
/// Preprocessed frames ready for the backbone: NCHW, RGB, ImageNet-normalized floats
/// ((x/255 − mean)/std), <see cref="Count"/> frames of 3×<see cref="Height"/>×<see cref="Width"/>.
/// </summary>
/// <param name="Pixels">N·3·H·W floats.</param>
/// <param name="Count">N, frames in the batch.</param>
/// <param name="Height">H (224 for the reference preprocessing).</param>
/// <param name="Width">W (224 for the reference preprocessing).</param>
/// <param name="FirstFrameIndex">Index (in sampled frames) of the first frame of this batch within its video.</param>
public readonly record struct FrameBatch(ReadOnlyMemory<float> Pixels, int Count, int Height, int Width, int FirstFrameIndex);
