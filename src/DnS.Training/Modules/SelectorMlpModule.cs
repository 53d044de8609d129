using DnS.Core.Networks;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace DnS.Training.Modules;

/// <summary>
/// The selector's MLP (reference <c>MLP</c> under <c>mlp.</c>): <c>model</c> is a Sequential of
/// (Linear without bias, BatchNorm1d, ReLU, Dropout) blocks, then Linear(hidden→1) and Sigmoid, so the
/// parameterized entries are <c>model.0/.1/.4/.5/.8</c> for one hidden layer.
/// </summary>
public sealed class SelectorMlpModule : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = StateDictKeys.SelectorMlpModel)]
    private readonly TorchSharp.Modules.Sequential _model;

    /// <summary>Creates the MLP with <paramref name="hiddenLayers"/> hidden-to-hidden blocks after the input block.</summary>
    public SelectorMlpModule(long inputs, long hidden, int hiddenLayers, double dropout) : base(nameof(SelectorMlpModule))
    {
        var entries = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int block = 0; block <= hiddenLayers; block++)
        {
            int at = entries.Count;
            entries.Add(($"{at}", XavierLinear(block == 0 ? inputs : hidden, hidden, hasBias: false)));
            entries.Add(($"{at + 1}", nn.BatchNorm1d(hidden)));
            entries.Add(($"{at + 2}", nn.ReLU()));
            entries.Add(($"{at + 3}", nn.Dropout(dropout)));
        }
        entries.Add(($"{entries.Count}", XavierLinear(hidden, 1, hasBias: true)));
        entries.Add(($"{entries.Count}", nn.Sigmoid()));
        _model = nn.Sequential(entries);
        RegisterComponents();
    }

    /// <summary>Probabilities [N, 1] for inputs [N, inputs].</summary>
    public override Tensor forward(Tensor x) => _model.forward(x);

    // The reference's reset_parameters: Xavier-uniform Linear weights (biases keep PyTorch's default).
    private static TorchSharp.Modules.Linear XavierLinear(long inputs, long outputs, bool hasBias)
    {
        var linear = nn.Linear(inputs, outputs, hasBias);
        nn.init.xavier_uniform_(linear.weight!);
        return linear;
    }
}
