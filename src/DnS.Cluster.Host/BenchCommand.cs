using DnS.Cli;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DnS.Cluster.Host;

/// <summary><c>dns-cluster-host bench</c>: the wall time per query through a running cluster, per policy; with
/// <c>--local</c>, the same queries through one in-process <see cref="RetrievalEngine"/> over a one-shard root holding
/// the same records, and whether both gave the same hits and scores.</summary>
internal sealed class BenchCommand : AsyncCommand<BenchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--cluster <ENDPOINTS>")]
        [Description("Gateway endpoints, host:port[,host:port...].")]
        public string Cluster { get; init; } = "";

        [CommandOption("--models <DIR>")]
        [Description("The networks the cluster runs (for the query records and the in-process engine).")]
        public string Models { get; init; } = "";

        [CommandOption("--local <DIR>")]
        [Description("A one-shard root with the same records, searched in-process for comparison.")]
        public string? Local { get; init; }

        [CommandOption("--queries <N>")]
        [Description("Timed queries per policy (default 5; one more runs first, untimed).")]
        public int Queries { get; init; } = 5;

        [CommandOption("--policies <LIST>")]
        [Description("Comma-separated policies (default coarse,topk:100,dns:0.05).")]
        public string Policies { get; init; } = "coarse,topk:100,dns:0.05";

        [CommandOption("--top <N>")]
        [Description("Hits per query (default 100).")]
        public int Top { get; init; } = 100;

        [CommandOption("--frames <T>")]
        [Description("Frames per query record (default 16).")]
        public int Frames { get; init; } = 16;

        public override ValidationResult Validate() =>
            Cluster.Length == 0 ? ValidationResult.Error("--cluster is required")
            : Models.Length == 0 ? ValidationResult.Error("--models is required")
            : Queries <= 0 ? ValidationResult.Error("--queries must be ≥ 1")
            : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var models = await HostModels.LoadAsync(settings.Models, cancellationToken);
        var schema = VideoRecordFactory.SchemaOf(models);
        var queries = Enumerable.Range(0, settings.Queries + 1).Select(i => SyntheticRecords.Create(schema, 777, i, settings.Frames, $"q{i}")).ToArray();
        await using var cluster = await DnsClusterHosting.ConnectAsync(settings.Cluster,
            new DnsClusterOptions { ShardWait = TimeSpan.FromMinutes(10), CallTimeout = TimeSpan.FromMinutes(10) }, cancellationToken); // measuring: a slow shard is waited for, never dropped
        FileVideoStore? local = settings.Local is null ? null
            : await FileVideoStore.OpenAsync(ShardSet.ShardFolder(Path.GetFullPath(settings.Local), 0), cancellationToken: cancellationToken);
        await using var owned = local;
        var engine = local is null ? null : new RetrievalEngine(models, local);
        Console.WriteLine($"cluster: {await cluster.CountAsync(cancellationToken)} videos in {await cluster.GetShardCountAsync(cancellationToken)} shards" +
                          (local is null ? "" : $"; in-process engine: {local.Count} videos"));
        Console.WriteLine("| policy | cluster ms/query | coarse | selection | fine | in-process ms/query | fine pairs | same hits |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var policy in settings.Policies.Split(',').Select(SelectorPolicy.Parse))
        {
            var clusterTimes = new List<double>();
            var localTimes = new List<double>();
            var stages = new List<StageStatistics>();
            bool same = true;
            for (int q = 0; q < queries.Length; q++)
            {
                var clock = Stopwatch.StartNew();
                var remote = await cluster.SearchAsync(queries[q], policy, settings.Top, cancellationToken);
                if (q > 0) clusterTimes.Add(clock.Elapsed.TotalMilliseconds);
                if (q > 0) stages.Add(remote.Result.Statistics);
                if (engine is null) continue;
                clock.Restart();
                var inProcess = engine.Search(queries[q], policy, settings.Top, cancellationToken);
                if (q > 0) localTimes.Add(clock.Elapsed.TotalMilliseconds);
                same &= !remote.IsPartial && remote.Result.Hits.SequenceEqual(inProcess.Hits);
            }
            string Ms(IEnumerable<TimeSpan> t) => t.Average(x => x.TotalMilliseconds).ToString("F1", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {policy} | {clusterTimes.Average():F1} | {Ms(stages.Select(s => s.Coarse))} | {Ms(stages.Select(s => s.Selection))} | {Ms(stages.Select(s => s.Fine))} | " +
                $"{(engine is null ? "–" : localTimes.Average().ToString("F1", CultureInfo.InvariantCulture))} | {stages[0].FinePairs} | {(engine is null ? "–" : same ? "yes" : "NO")} |"));
        }
        return ExitCodes.Success;
    }
}
