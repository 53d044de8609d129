using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Conv2d = TorchSharp.Modules.Conv2d;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Training.Modules;

/// <summary>
/// The ViSiL video comparator CNN on a frame-to-frame similarity image: pad 1 → conv1 3×3 (1→32) → ReLU →
/// max-pool 2 → pad 1 → conv2 3×3 (32→64) → ReLU → max-pool 2 → pad 1 → conv3 3×3 (64→128) → ReLU →
/// fconv 1×1 (128→1). The students use zero padding (<c>visil_head.</c>), the teacher replicate padding
/// (<c>video_comperator.</c>). State-dict keys: <c>conv1/conv2/conv3/fconv.weight/bias</c>.
/// </summary>
public sealed class VideoComparatorModule : nn.Module<Tensor, Tensor>
{
    private static readonly long[] Pad = [1, 1, 1, 1];
    private static readonly long[] Pool = [2, 2];
    [ComponentName(Name = StateDictKeys.Conv1)]
    private readonly Conv2d _conv1;
    [ComponentName(Name = StateDictKeys.Conv2)]
    private readonly Conv2d _conv2;
    [ComponentName(Name = StateDictKeys.Conv3)]
    private readonly Conv2d _conv3;
    [ComponentName(Name = StateDictKeys.FinalConv)]
    private readonly Conv2d _fconv;
    private readonly PaddingModes _mode;

    /// <summary>Creates the comparator with the given padding.</summary>
    public VideoComparatorModule(ComparatorPadding padding = ComparatorPadding.Zero) : base(nameof(VideoComparatorModule))
    {
        Padding = padding;
        _mode = padding == ComparatorPadding.Replicate ? PaddingModes.Replicate : PaddingModes.Constant;
        _conv1 = nn.Conv2d(1, 32, 3);
        _conv2 = nn.Conv2d(32, 64, 3);
        _conv3 = nn.Conv2d(64, 128, 3);
        _fconv = nn.Conv2d(128, 1, 1);
        // The reference's reset_parameters: Xavier-uniform kernels, zero biases.
        foreach (var conv in new[] { _conv1, _conv2, _conv3, _fconv })
        {
            nn.init.xavier_uniform_(conv.weight!);
            nn.init.zeros_(conv.bias!);
        }
        RegisterComponents();
    }

    /// <summary>How the 3×3 convolutions pad their input.</summary>
    public ComparatorPadding Padding { get; }

    /// <summary>
    /// Raw comparator scores (no hardtanh) for frame-to-frame matrices [B, Tq, Tt]; the result is
    /// [B, ⌊⌊Tq/2⌋/2⌋, ⌊⌊Tt/2⌋/2⌋]. Both lengths must be at least 4 (see <see cref="FrameTiling"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The input is not [B, Tq, Tt] with Tq, Tt ≥ 4.</exception>
    public override Tensor forward(Tensor f2f) => Run(f2f, null).Scores;

    /// <summary>
    /// The reference's masked comparator for zero-padded batches: <paramref name="valid"/> [B, Tq, Tt] (bool) marks real
    /// cells; each conv output is zeroed outside the mask before its ReLU, the mask is max-pooled like the data (a pooled
    /// cell is valid if any of its inputs is), and fconv is not masked. Returns the raw scores and the pooled mask (bool).
    /// </summary>
    /// <exception cref="ArgumentException">The input is not [B, Tq, Tt] with Tq, Tt ≥ 4.</exception>
    public (Tensor Scores, Tensor Valid) ForwardMasked(Tensor f2f, Tensor valid)
    {
        var (scores, mask) = Run(f2f, valid.to_type(f2f.dtype).unsqueeze(1));
        return (scores, mask!.squeeze(1).gt(0));
    }

    private (Tensor Scores, Tensor? Mask) Run(Tensor f2f, Tensor? mask)
    {
        if (f2f.dim() != 3 || f2f.shape[1] < 4 || f2f.shape[2] < 4)
            throw new ArgumentException($"comparator input must be [B, Tq, Tt] with Tq, Tt >= 4, got [{string.Join(", ", f2f.shape)}]", nameof(f2f));
        var x = F.max_pool2d(PaddedConvRelu(_conv1, f2f.unsqueeze(1), mask), Pool, Pool);
        if (mask is not null) mask = F.max_pool2d(mask, Pool, Pool);
        x = F.max_pool2d(PaddedConvRelu(_conv2, x, mask), Pool, Pool);
        if (mask is not null) mask = F.max_pool2d(mask, Pool, Pool);
        return (_fconv.forward(PaddedConvRelu(_conv3, x, mask)).squeeze(1), mask);
    }

    /// <summary>
    /// hardtanh, clamping raw scores to [−1, 1] as the students and the teacher do (gradient 1 inside, 0 outside).
    /// Written as clamp: TorchSharp 0.107's <c>functional.hardtanh</c> returned unclamped values here.
    /// </summary>
    public static Tensor HardTanh(Tensor raw) => raw.clamp(ScalarConstants.MinusOne, ScalarConstants.One);

    private Tensor PaddedConvRelu(Conv2d conv, Tensor x, Tensor? mask)
    {
        var y = conv.forward(F.pad(x, Pad, _mode));
        return F.relu(mask is null ? y : y * mask);
    }
}
