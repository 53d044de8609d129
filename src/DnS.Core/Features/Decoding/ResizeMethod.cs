namespace DnS.Core.Features.Decoding;

/// <summary>Where and how a sampled frame is resized (shorter side) and center-cropped, or squeezed whole.</summary>
public enum ResizeMethod
{
    /// <summary>
    /// ffmpeg sends full-resolution RGB24 frames and the library resizes them exactly as the reference does
    /// (OpenCV <c>cv2.resize</c> INTER_CUBIC: Keys' cubic a = −0.75, 11-bit fixed-point coefficients, scale 1/ratio)
    /// and crops like ViSiL's <c>center_crop</c>. Bit-exact with OpenCV's generic path on the same RGB frame.
    /// </summary>
    Reference,

    /// <summary>
    /// Resize and crop inside ffmpeg's filter graph (swscale bicubic with a = −0.75): less data through the pipe,
    /// but swscale resamples in YUV, so colors near sharp edges differ from the reference (see docs/features.md).
    /// </summary>
    Ffmpeg,

    /// <summary>
    /// ffmpeg sends full-resolution RGB24 frames and the library resizes them as CLIP's preprocessing does (torchvision
    /// <c>Resize</c> + <c>CenterCrop</c> on a PIL image): Pillow's antialiased bicubic (a = −0.5, 22-bit fixed point,
    /// horizontal pass first), the longer side floored, the crop offset rounded half to even. Bit-exact with Pillow.
    /// </summary>
    Pillow,

    /// <summary>
    /// The whole frame squeezed to <see cref="VideoDecodingOptions.CropSize"/> × <see cref="VideoDecodingOptions.CropSize"/>
    /// inside ffmpeg's filter graph (swscale bicubic, a = −0.75): nothing is cropped and the aspect ratio is not kept,
    /// so content near the frame's edges (a picture-in-picture in a corner) stays in view.
    /// <see cref="VideoDecodingOptions.ResizeShortSide"/> is not used (it must still be at least the crop size).
    /// </summary>
    Stretch,
}
