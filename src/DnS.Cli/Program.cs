using DnS.Cli;
using DnS.Cli.Commands;
using Spectre.Console.Cli;

return await CliHost.RunAsync("dns", config =>
{
    config.AddCommand<IndexCommand>("index").WithDescription("Index video files and folders (recursively) into an on-disk index.");
    config.AddCommand<SearchCommand>("search").WithDescription("Rank the index against a query video (file or indexed id).");
    config.AddCommand<SimilarityCommand>("similarity").WithDescription("Scores of queries against every indexed video, in the FIVR results format.");
    config.AddCommand<EvalCommand>("eval").WithDescription("FIVR-200K mAP (DSVR/CSVR/ISVR) of a results file, equal to the official evaluation.");
    config.AddBranch("cluster", cluster =>
    {
        cluster.SetDescription("A library sharded over an Orleans cluster (dns-cluster-host silos; docs/scale.md).");
        cluster.AddCommand<ClusterIndexCommand>("index").WithDescription("Route every video of an index to the cluster shard its id hashes to.");
    });
    config.AddCommand<InfoCommand>("info").WithDescription("Counts, dimensions and bytes per video per component of an index.");
    // Training moved to dns-train (libtorch); the old names stay, hidden, to say so.
    config.AddCommand<MovedToDnsTrainCommand>("distill").WithDescription(MovedToDnsTrainCommand.Description).IsHidden();
    config.AddCommand<MovedToDnsTrainCommand>("train").WithDescription(MovedToDnsTrainCommand.Description).IsHidden();
}, args);
