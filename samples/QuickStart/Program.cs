// DnS.NET quick start: the whole flow on a generated sample corpus with the built-in models.
//   1. generate near-duplicate clips with ffmpeg (cached in artifacts/sample-corpus),
//   2. index them into a library (artifacts/sample-library: an on-disk index that records what built it; a rerun skips what is indexed),
//   3. search with a query video file and print the ranking,
//   4. measure the accuracy / speed / storage trade-off of the retrieval configurations.
// Options: --report <dir>  also write tradeoff.md and tradeoff.png there (docs/ in this repository);
//          --models <dir>  add the rows of a distilled model folder (dns-train distill, samples/DistillationStudy) to step 4:
//                          its coarse and fine students, DnS with its selector at 5 % and 30 %, and top-K.
using DnS.Core.Features.Extraction;
using DnS.Core.Evaluation;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Samples.Corpus;
using QuickStart;

var options = QuickStartOptions.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;

Console.WriteLine("1. sample corpus (ffmpeg lavfi sources, 8 edits each, distractors)");
var corpus = await SyntheticCorpus.GenerateAsync(Path.Combine("artifacts", "sample-corpus"), new SyntheticCorpusOptions(),
    new Progress<string>(id => Status($"generating {id}")), ct);
Console.WriteLine($"\r   {corpus.Videos.Count} videos in {corpus.Directory}".PadRight(60));

Console.WriteLine("2. index (built-in frame descriptor, built-in parameter-free models)");
string indexDirectory = Path.Combine("artifacts", "sample-library");
await using var library = await VideoLibrary.CreateAsync(indexDirectory, new VideoLibraryOptions(), ct);
var extractor = library.Features;
var models = library.Models;
var sources = corpus.Videos.Select(v => new VideoSource(v.Id, v.Path)).ToList();
var report = await library.AddAsync(sources, progress: new Progress<IndexProgress>(p => Status($"{p.Completed}/{p.Total} videos, {p.Frames} frames")), cancellationToken: ct);
var storage = library.GetStorageReport();
Console.WriteLine($"\r   indexed {report.Indexed.Count} videos ({report.Frames} frames) in {report.Elapsed.TotalSeconds:F1} s, {report.Skipped.Count} unchanged since " +
                  $"the last run, {report.Failed.Count} failed; {storage.TotalBytesPerVideo / 1024:F1} KB/video in {indexDirectory}");

var query = corpus.Queries.First();
Console.WriteLine($"3. search with {Path.GetFileName(query.Path)} (policy topk:20)");
var result = await library.SearchFileAsync(query.Path, SelectorPolicy.TopK(20), top: 10, ct);
Console.WriteLine($"   {"rank",4}  {"video",-26} {"score",7}  stage   edit");
foreach (var (hit, rank) in result.Hits.Select((h, i) => (h, i + 1)))
{
    var video = corpus.Videos.First(v => v.Id == hit.Id);
    string edit = video.Source == query.Id ? $"copy ({video.Transform})" : "unrelated";
    Console.WriteLine($"   {rank,4}  {hit.Id,-26} {hit.Score,7:F4}  {hit.Stage.ToString().ToLowerInvariant(),-6}  {edit}");
}
var s = result.Statistics;
Console.WriteLine($"   {s.CoarsePairs} coarse pairs in {s.Coarse.TotalMilliseconds:F2} ms, {s.FinePairs} re-ranked in {s.Fine.TotalMilliseconds:F2} ms");

Console.WriteLine("4. trade-off (DSVR-style mAP: copies are relevant; time per query over the whole database)");
var extracted = await TradeOffStudy.ExtractAsync(corpus, extractor, cancellationToken: ct);
int k = Math.Max(1, corpus.Videos.Count / 4);
var binary = DnsModels.BuiltIn(extractor.Regions, extractor.Dimensions, binary: true);
var configurations = new List<(string, DnsModels, IReadOnlyList<SelectorPolicy>)>
{
    ("float", models, [SelectorPolicy.CoarseOnly, SelectorPolicy.FineOnly, SelectorPolicy.TopK(k)]),
    ("binary", binary, [SelectorPolicy.FineOnly, SelectorPolicy.TopK(k)]),
};
if (options.Models is not null)
{
    var distilled = DnsModels.Load(options.Models);
    IReadOnlyList<SelectorPolicy> policies = distilled.Selector is null
        ? [SelectorPolicy.CoarseOnly, SelectorPolicy.FineOnly, SelectorPolicy.TopK(k)]
        : [SelectorPolicy.CoarseOnly, SelectorPolicy.FineOnly, SelectorPolicy.SelectorFraction(0.05), SelectorPolicy.SelectorFraction(0.3), SelectorPolicy.TopK(k)];
    configurations.Add(("distilled", distilled, policies));
}
var rows = await TradeOffStudy.RunAsync(corpus, extracted, configurations, ct);
TradeOffTable.Print(rows, Console.Out);
if (options.Models is null)
    Console.WriteLine("   DnS (selector network at 5% / 30%) needs distilled students and a selector: add --models <dir> (dns-train distill or samples/DistillationStudy).");
if (options.ReportDirectory is not null) TradeOffTable.Write(rows, corpus, options, options.ReportDirectory);

// A live status line on a terminal; nothing when the output is a log.
static void Status(string text)
{
    if (!Console.IsOutputRedirected) Console.Write($"\r   {text,-50}");
}
