using System.Globalization;
using DnS.Core.Retrieval;
using DnS.Samples.Corpus;
using DnS.Training.Distillation;
using DnS.Training.SelfSupervised;

namespace DistillationStudy;

/// <summary>The study's command line: <c>--report DIR --epochs N --ssl-steps N --fine-lr X --coarse-epochs N --selector-epochs N --coarse-lr X --coarse SHAPE --runs a,b --anchors F --artifacts DIR</c>.</summary>
internal sealed record StudySettings
{
    /// <summary>Disjoint from the evaluation corpus (clips 0–15): clip numbers from 100 on.</summary>
    public static SyntheticCorpusOptions TrainingCorpus { get; } = new() { FirstClip = 100, Sources = 10, Distractors = 25 };

    /// <summary>The K of top-K rows: a quarter of the evaluation corpus, as in QuickStart.</summary>
    public const int TopK = 16;

    public static IReadOnlyList<SelectorPolicy> Policies { get; } =
        [SelectorPolicy.CoarseOnly, SelectorPolicy.FineOnly, SelectorPolicy.SelectorFraction(0.05), SelectorPolicy.SelectorFraction(0.3), SelectorPolicy.TopK(TopK)];

    public string Report { get; init; } = "docs";
    public string Artifacts { get; init; } = Path.Combine("artifacts", "study");
    public int SslSteps { get; init; } = 300;

    /// <summary>The distillations to run (null: all of chamfer, ssl, mtd-maxmin, mtd-mean).</summary>
    public IReadOnlySet<string>? Runs { get; init; }
    public required string Command { get; init; }
    public required DistillationOptions Distillation { get; init; }
    public SelfSupervisedOptions SelfSupervised { get; } = new() { BatchSize = 8, LearningRate = 5e-4, Seed = 0 };

    public static StudySettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected --name value pairs, got '{string.Join(' ', args)}'");
            values[args[i][2..]] = args[i + 1];
        }
        string Get(string name, string fallback) => values.Remove(name, out var v) ? v : fallback;
        var defaults = new DistillationOptions();
        int epochs = int.Parse(Get("epochs", defaults.FineTraining.Epochs.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        int coarseEpochs = int.Parse(Get("coarse-epochs", epochs.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        int selectorEpochs = int.Parse(Get("selector-epochs", epochs.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        double coarseRate = double.Parse(Get("coarse-lr", (defaults.CoarseTraining.LearningRate ?? 1e-4).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        double? fineRate = values.ContainsKey("fine-lr") ? double.Parse(Get("fine-lr", ""), CultureInfo.InvariantCulture) : defaults.FineTraining.LearningRate;
        double anchors = double.Parse(Get("anchors", defaults.Sampling.AnchorFraction.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var settings = new StudySettings
        {
            Command = "dotnet run -c Release --project samples/DistillationStudy" + (args.Length > 0 ? " -- " + string.Join(' ', args) : ""),
            Report = Get("report", "docs"),
            Artifacts = Get("artifacts", Path.Combine("artifacts", "study")),
            SslSteps = int.Parse(Get("ssl-steps", "300"), CultureInfo.InvariantCulture),
            Runs = values.ContainsKey("runs") ? Get("runs", "").Split(',').ToHashSet() : null,
            Distillation = defaults with
            {
                Coarse = ParseShape(Get("coarse", ""), defaults.Coarse),
                Sampling = defaults.Sampling with { AnchorFraction = anchors },
                FineTraining = defaults.FineTraining with { Epochs = epochs, LearningRate = fineRate },
                CoarseTraining = defaults.CoarseTraining with { Epochs = coarseEpochs, LearningRate = coarseRate },
                SelectorTraining = defaults.SelectorTraining with { Epochs = selectorEpochs },
                // The study scores every model on its own disjoint evaluation corpus: it trains on every anchor and installs whatever it trains.
                HeldOutFraction = 0,
            },
        };
        if (values.Count > 0) throw new ArgumentException($"unknown option(s): {string.Join(", ", values.Keys.Select(k => "--" + k))}");
        return settings;
    }

    // "attention+transformer+netvlad:32x512" style: the parts present are switched on; an empty text keeps the default.
    private static CoarseStudentShape ParseShape(string text, CoarseStudentShape fallback)
    {
        if (text.Length == 0) return fallback;
        string[] parts = text.Split(':', 2);
        var layers = parts[0].Split('+');
        var shape = fallback with { Attention = layers.Contains("attention"), Transformer = layers.Contains("transformer"), NetVlad = layers.Contains("netvlad") };
        if (parts.Length == 2)
        {
            var size = parts[1].Split('x');
            shape = shape with { Clusters = int.Parse(size[0], CultureInfo.InvariantCulture), OutputDims = int.Parse(size[1], CultureInfo.InvariantCulture) };
        }
        return shape;
    }
}
