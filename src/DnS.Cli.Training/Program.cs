using DnS.Cli;
using DnS.Cli.Training.Commands;
using Spectre.Console.Cli;

return await CliHost.RunAsync("dns-train", config =>
{
    config.AddCommand<DistillCommand>("distill").WithDescription("Train the fine student, coarse student and selector from a teacher on your own unlabeled videos.");
    config.AddBranch("train", train =>
    {
        train.SetDescription("Train single networks (experts; dns-train distill runs the whole chain).");
        train.AddCommand<TrainTeacherCommand>("teacher").WithDescription("Train a ViSiL-type teacher without labels on augmented views of your videos (S2VS-style).");
        train.AddCommand<TrainStudentCommand>("student").WithDescription("Distil the fine or coarse student of a model folder again, in place, from any teacher (re-distillation).");
        train.AddCommand<TrainSelectorCommand>("selector").WithDescription("Train the selector of a model folder on where its fine and coarse students disagree.");
    });
    config.AddBranch("text", text =>
    {
        text.SetDescription("Train the text-search networks on a CLIP model's frame embeddings of your videos.");
        text.AddCommand<TextDistillCommand>("distill").WithDescription("Distil the slow text–video attention into the fast learned pooling, for the queries of a text file.");
        text.AddCommand<TextHeadCommand>("head").WithDescription("Train the slow cross-attention head on captioned videos (captions JSON: video id → sentences).");
    });
}, args);
