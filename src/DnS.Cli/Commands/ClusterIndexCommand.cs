using System.ComponentModel;
using DnS.Core.Library;
using DnS.Core.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cli.Commands;

/// <summary><c>dns cluster index</c>: routes every video of an index (made by <c>dns index</c>) to the cluster shard its
/// id hashes to; the cluster must run the networks that built the index (same record layout, checked).</summary>
internal sealed class ClusterIndexCommand : AsyncCommand<ClusterIndexCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--index <DIR>")]
        [Description("The index whose videos go to the cluster.")]
        public string Index { get; init; } = "";

        [CommandOption("--cluster <ENDPOINTS>")]
        [Description("The cluster's gateways, host:port[[,host:port...]].")]
        public string Cluster { get; init; } = "";

        public override ValidationResult Validate() =>
            Index.Length == 0 || Cluster.Length == 0 ? ValidationResult.Error("--index and --cluster are required") : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var library = await VideoLibrary.OpenAsync(settings.Index, cancellationToken: cancellationToken);
        await using var cluster = await ClusterConnection.ConnectAsync(settings.Cluster, cancellationToken);
        var schema = await ClusterConnection.RunAsync(settings.Cluster, () => cluster.GetSchemaAsync(cancellationToken));
        // The shards keep coarse vectors in their own encoding; an int8-only index no longer has the exact floats to give.
        if (library.Schema.CoarseEncoding == CoarseEncoding.Int8)
            throw new InvalidOperationException($"{settings.Index} keeps only int8 coarse codes; the cluster needs the exact floats: index with --coarse both or float");
        if (schema != library.Schema with { CoarseEncoding = schema.CoarseEncoding, RegionMeans = schema.RegionMeans })
            throw new InvalidOperationException($"{settings.Index} holds {library.Schema}, but the cluster at {settings.Cluster} stores {schema}: start its silos with the networks that built the index");
        IEnumerable<VideoRecord> Records()
        {
            foreach (string id in library.Ids)
                if (library.TryGetRecord(id, out var record)) yield return record;
        }
        int added = await ClusterConnection.RunAsync(settings.Cluster, () => cluster.AddAsync(Records(), cancellationToken: cancellationToken));
        int shards = await cluster.GetShardCountAsync(cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"{added} videos of {settings.Index} → {shards} shards; the cluster holds {await cluster.CountAsync(cancellationToken)} videos");
        return ExitCodes.Success;
    }
}
