using System.ComponentModel;
using Spectre.Console.Cli;

namespace DnS.Cli.Training;

/// <summary>The training-corpus options every training command shares.</summary>
internal abstract class TrainingDataSettings : CommandSettings
{
    [CommandArgument(0, "[files-or-folders]")]
    [Description("Training videos (files, or folders searched recursively); or use --index.")]
    public string[] Paths { get; init; } = [];

    [CommandOption("--index <DIR>")]
    [Description("Train on the videos an index was built from, with its feature extractor.")]
    public string? Index { get; init; }

    [CommandOption("--backbone <ONNX>")]
    [Description("With files/folders: the ONNX backbone of the features (default: the built-in frame descriptor).")]
    public string? Backbone { get; init; }

    [CommandOption("--pca <FILE>")]
    [Description("With files/folders: PCA whitening of the backbone's region vectors.")]
    public string? Pca { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seeds mining, data order, augmentations and initialization (default 0).")]
    public int Seed { get; init; }
}
