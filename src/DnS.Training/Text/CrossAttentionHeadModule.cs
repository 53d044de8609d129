using DnS.Core.Text;
using DnS.Training.Modules;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;
using Linear = TorchSharp.Modules.Linear;
using Parameter = TorchSharp.Modules.Parameter;

namespace DnS.Training.Text;

/// <summary>
/// The trainable slow head of text search (<see cref="CrossAttentionScoring"/> in DnS.Core runs the same forward
/// pass): text embedding × frame embeddings cross-attention, <c>aₜ = softmax(⟨q + A q, fₜ⟩ / τ)</c>, score
/// <c>Σₜ aₜ ⟨q + B q, fₜ⟩</c>, with A and B zero and τ given at the start, so the untrained head is
/// <see cref="TextVideoScoring.SlowScore"/>. State-dict keys: <c>key.weight</c> [D, D], <c>value.weight</c> [D, D],
/// <c>log_temperature</c> [1].
/// </summary>
public sealed class CrossAttentionHeadModule : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    [ComponentName(Name = CrossAttentionScoring.KeyKey)]
    private readonly Linear _key;
    [ComponentName(Name = CrossAttentionScoring.ValueKey)]
    private readonly Linear _value;
    [ComponentName(Name = CrossAttentionScoring.LogTemperatureKey)]
    private readonly Parameter _logTemperature;

    /// <summary>Creates the head for <paramref name="dims"/>-dimensional embeddings, starting at temperature <paramref name="temperature"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive width or temperature.</exception>
    public CrossAttentionHeadModule(long dims, double temperature) : base(nameof(CrossAttentionHeadModule))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dims);
        if (!(temperature > 0) || !double.IsFinite(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be a positive finite number");
        Dims = dims;
        _key = nn.Linear(dims, dims, hasBias: false);
        _value = nn.Linear(dims, dims, hasBias: false);
        nn.init.zeros_(_key.weight!);
        nn.init.zeros_(_value.weight!);
        _logTemperature = new Parameter(tensor(new[] { (float)Math.Log(temperature) }));
        RegisterComponents();
    }

    /// <summary>Embedding width D.</summary>
    public long Dims { get; }

    /// <summary>The attention temperature τ = e^log_temperature as trained so far.</summary>
    public double Temperature
    {
        get
        {
            using var noGrad = no_grad();
            return Math.Exp(_logTemperature.item<float>());
        }
    }

    /// <summary>
    /// Scores [Q, B] of every text embedding <paramref name="texts"/> [Q, D] against every video's frames
    /// <paramref name="frames"/> [B, T, D] with real frames <paramref name="valid"/> [B, T] (bool).
    /// </summary>
    public override Tensor forward(Tensor texts, Tensor frames, Tensor valid)
    {
        // [Q, D] queries against [B, T, D] frames: [B, T, Q] similarities, attention over T.
        var keys = frames.matmul((texts + _key.forward(texts)).t());
        var values = frames.matmul((texts + _value.forward(texts)).t());
        var logits = (keys / _logTemperature.exp()).masked_fill(valid.logical_not().unsqueeze(-1), FillValues.NegativeInfinity);
        return (logits.softmax(1) * values).sum(1).t();
    }
}
