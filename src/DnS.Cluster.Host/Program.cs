using DnS.Cli;
using DnS.Cluster.Host;
using Spectre.Console.Cli;

return await CliHost.RunAsync("dns-cluster-host", config =>
{
    config.AddCommand<SiloCommand>("silo").WithDescription("Run one Orleans silo serving the shards under --root (localhost clustering).");
    config.AddCommand<GenerateCommand>("generate").WithDescription("Write generated records of the models' sizes straight into the shard stores under --root.");
    config.AddCommand<BenchCommand>("bench").WithDescription("Time queries through a cluster (and an in-process engine over a one-shard root), checking equal results.");
}, args);
