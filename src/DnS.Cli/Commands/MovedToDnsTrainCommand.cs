using System.ComponentModel;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary>
/// <c>dns distill</c> and <c>dns train</c> (hidden): the training commands moved to the <c>dns-train</c> tool, which carries
/// libtorch; this tells a user of an older <c>dns</c> where they went instead of a bare "unknown command".
/// </summary>
internal sealed class MovedToDnsTrainCommand : Command<MovedToDnsTrainCommand.Settings>
{
    /// <summary>What <c>--help</c> shows for the old names.</summary>
    public const string Description = "Moved to the dns-train tool (dotnet tool install -g DnS.Cli.Training): dns-train distill | dns-train train teacher|student|selector.";

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[arguments]")]
        [Description("Ignored: the command runs in dns-train.")]
        public string[] Arguments { get; init; } = [];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"usage error: 'dns {context.Name}' moved to the dns-train tool (package DnS.Cli.Training, which carries libtorch): " +
                                $"run 'dns-train {context.Name} …' with the same options; install it with 'dotnet tool install -g DnS.Cli.Training'.");
        return ExitCodes.Usage;
    }
}
