using System.ComponentModel;
using DnS.Core.Networks;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cluster.Host;

/// <summary>What a silo and the generator share: the cluster root, its shard count and the networks.</summary>
internal class ShardRootSettings : CommandSettings
{
    [CommandOption("--root <DIR>")]
    [Description("The cluster root: cluster.json and one store folder per shard (created with all shards when new).")]
    public string Root { get; init; } = "";

    [CommandOption("--shards <N>")]
    [Description("Number of shards (fixed for the life of the root).")]
    public int Shards { get; init; }

    [CommandOption("--models <DIR>")]
    [Description("The networks: a model folder (dns-models.json and its weights), or an index folder made by dns index (its networks).")]
    public string Models { get; init; } = "";

    public override ValidationResult Validate() =>
        Root.Length == 0 ? ValidationResult.Error("--root is required")
        : Shards <= 0 ? ValidationResult.Error("--shards must be ≥ 1")
        : Models.Length == 0 ? ValidationResult.Error("--models is required")
        : ValidationResult.Success();

    public Task<DnsModels> LoadModelsAsync(CancellationToken cancellationToken) => HostModels.LoadAsync(Models, cancellationToken);
}
