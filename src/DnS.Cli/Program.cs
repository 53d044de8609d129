using DnS.Cli;
using DnS.Cli.Commands;
using Spectre.Console.Cli;

return await CliHost.RunAsync("dns", config =>
{
    config.AddCommand<IndexCommand>("index").WithDescription("Index video files and folders (recursively) into an on-disk index.");
    config.AddCommand<SearchCommand>("search").WithDescription("Rank the index against a query video (file or indexed id).");
    config.AddCommand<SimilarityCommand>("similarity").WithDescription("Scores of queries against every indexed video, in the FIVR results format.");
    config.AddCommand<EvalCommand>("eval").WithDescription("FIVR-200K mAP (DSVR/CSVR/ISVR) of a results file, equal to the official evaluation.");
    config.AddCommand<DistillCommand>("distill").WithDescription("Train the fine student, coarse student and selector from a teacher on your own unlabelled videos.");
    config.AddBranch("train", train =>
    {
        train.SetDescription("Train single networks (experts; dns distill runs the whole chain).");
        train.AddCommand<TrainTeacherCommand>("teacher").WithDescription("Train a ViSiL-type teacher without labels on augmented views of your videos (S2VS-style).");
        train.AddCommand<TrainStudentCommand>("student").WithDescription("Distil the fine or coarse student of a model folder again, in place, from any teacher (re-distillation).");
        train.AddCommand<TrainSelectorCommand>("selector").WithDescription("Train the selector of a model folder on where its fine and coarse students disagree.");
    });
    config.AddCommand<InfoCommand>("info").WithDescription("Counts, dimensions and bytes per video per component of an index.");
}, args);
