using System.ComponentModel;
using System.Text.Json;
using DnS.Core.Text;
using DnS.Training.Text;
using DnS.Training.Weights;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Training.Commands;

/// <summary>
/// <c>dns-train text head</c>: train the slow cross-attention head on captioned videos (a JSON object video id → list of
/// sentences, the MSR-VTT / VATEX shape) with a contrastive loss; a rerun resumes from the checkpoint beside the output.
/// </summary>
internal sealed class TextHeadCommand : AsyncCommand<TextHeadCommand.Settings>
{
    public sealed class Settings : TextSettings
    {
        [CommandOption("--captions <FILE>")]
        [Description("Captions JSON: {\"video id\": [[\"sentence\", ...]], ...}; ids are file names without extension. Every fifth caption is held out.")]
        public string Captions { get; init; } = "";

        [CommandOption("--output <FILE>")]
        [Description("The head's weights (.safetensors, DnS.Core: CrossAttentionScoring.Load); the checkpoint is kept in <FILE>.checkpoint/.")]
        public string Output { get; init; } = "";

        public override ValidationResult Validate() =>
            Captions.Length == 0 ? ValidationResult.Error("--captions is required")
            : Output.Length == 0 ? ValidationResult.Error("--output is required")
            : base.Validate();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!File.Exists(settings.Captions)) throw new ArgumentException($"no such captions file: {settings.Captions}");
        Dictionary<string, string[]> captions;
        await using (var stream = File.OpenRead(settings.Captions))
            captions = await JsonSerializer.DeserializeAsync<Dictionary<string, string[]>>(stream, cancellationToken: cancellationToken)
                       ?? throw new InvalidDataException($"{settings.Captions} holds no captions object");

        using var clip = ClipModel.Open(settings.TextModel);
        var videos = await settings.EmbedVideosAsync(clip, cancellationToken);
        var sentences = new List<string>();
        var targets = new List<int>();
        for (int v = 0; v < videos.Count; v++)
        {
            if (!captions.TryGetValue(videos.GetId(v), out var list)) continue;
            foreach (string sentence in list.Where(s => !string.IsNullOrWhiteSpace(s)))
            {
                sentences.Add(sentence);
                targets.Add(v);
            }
        }
        if (targets.Distinct().Count() < 2)
            throw new ArgumentException($"{settings.Captions} captions {targets.Distinct().Count()} of the videos; the contrastive loss needs at least two captioned videos (ids are file names without extension)");
        float[] embeddings = clip.EncodeText(sentences);
        var heldOut = Enumerable.Range(0, sentences.Count).Where(c => c % 5 == 4).ToArray();
        var train = Enumerable.Range(0, sentences.Count).Except(heldOut).ToArray();

        using var head = new CrossAttentionHeadModule(clip.EmbeddingDimension, 1.0 / (clip.LogitScale ?? 100f));
        string checkpoint = settings.Output + ".checkpoint";
        var heldOutPairs = heldOut.Select(c => new CaptionPair(c, targets[c])).ToArray();
        using var trainer = new CaptionHeadTrainer(head, videos, embeddings, train.Select(c => new CaptionPair(c, targets[c])).ToArray(), settings.Training(checkpoint));
        double heldOutBefore = trainer.RecallAt1(heldOutPairs), trainBefore = trainer.RecallAt1(trainer.Examples);
        if (CheckpointFolder.TryResume(checkpoint, trainer.LoadCheckpoint, out string? discarded))
            Console.WriteLine($"head: resuming from {checkpoint} at step {trainer.Step}");
        else if (discarded is not null)
            Console.WriteLine($"head: {discarded}; training from the start");
        trainer.Train(TextSettings.Progress("head"), cancellationToken);

        Console.WriteLine($"trained on {train.Length} captions of {targets.Distinct().Count()} videos ({heldOut.Length} held out), {trainer.Step} steps, τ {head.Temperature:G4}");
        Console.WriteLine($"caption → video R@1: held-out {heldOutBefore:P0} → {trainer.RecallAt1(heldOutPairs):P0}, training {trainBefore:P0} → {trainer.RecallAt1(trainer.Examples):P0}");
        head.eval();
        string? folder = Path.GetDirectoryName(Path.GetFullPath(settings.Output));
        if (folder is not null) Directory.CreateDirectory(folder);
        await head.ExportSafeTensorsAsync(settings.Output, cancellationToken);
        Console.WriteLine($"head written to {Path.GetFullPath(settings.Output)} (DnS.Core: CrossAttentionScoring.Load)");
        return ExitCodes.Success;
    }
}
