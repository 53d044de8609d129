using DnS.Core.Text;
using DnS.Training.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Linear = TorchSharp.Modules.Linear;
using Parameter = TorchSharp.Modules.Parameter;

namespace DnS.Training.Text;

/// <summary>
/// The fast side of text search as a trainable network (<see cref="LearnedFramePooling"/> in DnS.Core runs the same
/// forward pass): attention pooling of a video's frame embeddings with a context vector c, <c>p = Σₜ softmax(⟨c, fₜ⟩)ₜ fₜ</c>,
/// a residual projection and L2 normalization, <c>v = normalize(p + W p + b)</c>. c, W and b start at zero, so the
/// untrained network is the parameter-free mean pooling of <see cref="TextVideoScoring.PoolFrames"/>.
/// State-dict keys: <c>context</c> [D], <c>projection.weight</c> [D, D], <c>projection.bias</c> [D].
/// </summary>
public sealed class TextPoolingModule : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = LearnedFramePooling.ContextKey)]
    private readonly Parameter _context;
    [ComponentName(Name = LearnedFramePooling.ProjectionKey)]
    private readonly Linear _projection;

    /// <summary>Creates the network for <paramref name="dims"/>-dimensional embeddings, initialized to mean pooling.</summary>
    public TextPoolingModule(long dims) : base(nameof(TextPoolingModule))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dims);
        Dims = dims;
        _context = new Parameter(zeros(dims));
        _projection = nn.Linear(dims, dims);
        nn.init.zeros_(_projection.weight!);
        nn.init.zeros_(_projection.bias!);
        RegisterComponents();
    }

    /// <summary>Embedding width D.</summary>
    public long Dims { get; }

    /// <summary>The L2-normalized video embeddings [B, D] of frame embeddings [B, T, D] with real frames <paramref name="valid"/> [B, T] (bool).</summary>
    public override Tensor forward(Tensor frames, Tensor valid)
    {
        var logits = frames.matmul(_context).masked_fill(valid.logical_not(), FillValues.NegativeInfinity);
        var pooled = logits.softmax(1).unsqueeze(1).matmul(frames).squeeze(1);
        return F.normalize(pooled + _projection.forward(pooled), 2, -1);
    }
}
