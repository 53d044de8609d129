using System.ComponentModel;
using DnS.Core.Text;
using DnS.Training.Distillation;
using DnS.Training.Text;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Training;

/// <summary>The options the text training commands share: the videos, the CLIP model folder and the run's length.</summary>
internal abstract class TextSettings : CommandSettings
{
    [CommandOption("--videos <DIR>")]
    [Description("The videos to train on (a folder searched recursively, or one file; repeatable).")]
    public string[] Videos { get; init; } = [];

    [CommandOption("--text-model <FOLDER>")]
    [Description("A CLIP model folder (config.json, text and vision towers in ONNX, the BPE vocabulary; docs/text-search.md).")]
    public string TextModel { get; init; } = "";

    [CommandOption("--steps <N>")]
    [Description("Optimizer steps (default 300).")]
    public int Steps { get; init; } = 300;

    [CommandOption("--batch <B>")]
    [Description("Texts per step (default 16).")]
    public int Batch { get; init; } = 16;

    [CommandOption("--seed <N>")]
    [Description("Seeds the data order and the video samples (default 0).")]
    public int Seed { get; init; }

    public override ValidationResult Validate() =>
        Videos.Length == 0 ? ValidationResult.Error("--videos is required")
        : TextModel.Length == 0 ? ValidationResult.Error("--text-model is required")
        : Steps < 1 || Batch < 2 ? ValidationResult.Error("--steps must be ≥ 1 and --batch ≥ 2")
        : ValidationResult.Success();

    /// <summary>The run's training options (every frame of a clip up to 512 is seen).</summary>
    public TrainingOptions Training(string? checkpoint) => new() { Steps = Steps, BatchSize = Batch, Seed = Seed, MaxFrames = 512, CheckpointDirectory = checkpoint };

    /// <summary>Decodes every video at 1 fps and embeds its frames; a video that cannot be decoded is named on stderr and left out.</summary>
    public async Task<FrameEmbeddingSource> EmbedVideosAsync(ClipModel clip, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var frames = new List<float[]>();
        foreach (var video in VideoFiles.Expand(Videos))
        {
            try
            {
                frames.Add(await clip.EncodeFileAsync(video.Path, cancellationToken: cancellationToken));
                ids.Add(video.Id);
            }
            catch (Core.Features.Decoding.VideoDecodingException e)
            {
                Console.Error.WriteLine($"skipped: {e.Message}");
            }
        }
        if (ids.Count < 2) throw new ArgumentException($"text training needs at least two decodable videos; {string.Join(", ", Videos)} gave {ids.Count}");
        Console.WriteLine($"embedded {frames.Sum(f => f.Length) / clip.EmbeddingDimension} frames of {ids.Count} videos with {clip.Folder}");
        return new FrameEmbeddingSource(ids, frames, clip.EmbeddingDimension);
    }

    /// <summary>Prints a line per tenth of the run.</summary>
    public static IProgress<TrainingProgress> Progress(string what)
    {
        long lastTenth = -1;
        return new SynchronousProgress<TrainingProgress>(p =>
        {
            if (p.Step * 10 / p.TotalSteps == lastTenth) return;
            lastTenth = p.Step * 10 / p.TotalSteps;
            Console.WriteLine($"{what} {p.Step}/{p.TotalSteps} loss {p.RunningLoss:F4} ETA {p.Remaining:hh\\:mm\\:ss}");
        });
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
