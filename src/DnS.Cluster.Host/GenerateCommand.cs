using DnS.Cli;
using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console.Cli;

namespace DnS.Cluster.Host;

/// <summary><c>dns-cluster-host generate</c>: fills the shard stores of a root (no silo running) with generated records,
/// each in the shard its id routes to, as <see cref="DnsClusterClient.AddAsync"/> would place them.</summary>
internal sealed class GenerateCommand : AsyncCommand<GenerateCommand.Settings>
{
    public sealed class Settings : ShardRootSettings
    {
        [CommandOption("--count <N>")]
        [Description("Records to generate.")]
        public int Count { get; init; }

        [CommandOption("--frames <T>")]
        [Description("Frames per record (default 16).")]
        public int Frames { get; init; } = 16;

        [CommandOption("--seed <S>")]
        [Description("Seed (default 1).")]
        public int Seed { get; init; } = 1;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var shards = new ShardSet(settings.Root, settings.Shards, await settings.LoadModelsAsync(cancellationToken));
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < settings.Shards; s++)
        {
            await using var store = await shards.OpenAsync(s, cancellationToken);
            int added = 0;
            for (long n = 0; n < settings.Count; n++)
            {
                string id = $"v{n:D9}";
                if (ShardRouting.ShardOf(id, settings.Shards) != s) continue;
                await store.AddAsync(SyntheticRecords.Create(shards.Schema, settings.Seed, n, settings.Frames, id), cancellationToken);
                if (++added % 20_000 == 0) await store.CommitAsync(cancellationToken);
            }
            await store.CommitAsync(cancellationToken);
            Console.WriteLine($"shard {s}: {store.Count} videos, {store.GetStorageReport()} ({clock.Elapsed.TotalSeconds:F0} s)");
        }
        return ExitCodes.Success;
    }
}
