using System.ComponentModel;
using DnS.Core.Features.Backbone;
using DnS.Core.Library;
using Spectre.Console.Cli;

namespace DnS.Cli;

/// <summary>The <c>--device</c> option of the commands that run a feature backbone.</summary>
internal abstract class DeviceSettings : CommandSettings
{
    [CommandOption("--device <DEVICE>")]
    [Description("cpu (default) | cuda: where backbone features run. cuda needs a build with Microsoft.ML.OnnxRuntime.Gpu (docs/backbone.md) and falls back to the CPU, saying why, when CUDA is unavailable.")]
    public string Device { get; init; } = "cpu";

    /// <summary>The backbone session settings of <see cref="Device"/> (validated: cpu or cuda).</summary>
    public OnnxBackboneOptions Session() => new()
    {
        ExecutionProvider = Device.Equals("cuda", StringComparison.OrdinalIgnoreCase) ? BackboneExecutionProvider.Cuda : BackboneExecutionProvider.Cpu,
    };

    public override Spectre.Console.ValidationResult Validate() =>
        Device.ToLowerInvariant() is "cpu" or "cuda" ? Spectre.Console.ValidationResult.Success() : Spectre.Console.ValidationResult.Error($"--device must be cpu or cuda, not '{Device}'");

    /// <summary>Says on stderr, in one line, that the backbone runs on the CPU although CUDA was asked for, and why.</summary>
    public static void ReportFallback(VideoLibrary library)
    {
        if (library.ProviderFallbackReason is { } reason)
            Console.Error.WriteLine($"warning: CUDA is unavailable, the backbone runs on the CPU: {reason.ReplaceLineEndings(" ")}");
    }
}
