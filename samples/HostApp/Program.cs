// A host application that uses DnS.Core as a user would: the packed NuGet package, public API only.
// It generates two clips and an edited copy of one with ffmpeg, indexes the clips into an on-disk index, searches
// with the copy and checks that the clip it came from ranks first.
//   dotnet run --project samples/HostApp -- [work folder]
// Exit codes: 0 the copy found its source, 1 it did not (or a step failed).
using System.Diagnostics;
using System.Reflection;
using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var ct = cancel.Token;

string work = Path.GetFullPath(args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "dns-hostapp"));
string videos = Path.Combine(work, "videos");
string index = Path.Combine(work, "index");
if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
Directory.CreateDirectory(videos);

string version = typeof(VideoIndexer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
Console.WriteLine($"HostApp: DnS.Core {version} from {typeof(VideoIndexer).Assembly.Location}");

// Two unrelated moving sources, and the first one cropped, brightened and re-encoded small: the query.
string clipA = Path.Combine(videos, "clip-a.mp4"), clipB = Path.Combine(videos, "clip-b.mp4"), copy = Path.Combine(videos, "query.mp4");
await FfmpegAsync(["-f", "lavfi", "-t", "6", "-i", "testsrc2=s=320x240:r=10,hue=h=40", "-pix_fmt", "yuv420p", "-c:v", "libx264", clipA], ct);
await FfmpegAsync(["-f", "lavfi", "-t", "6", "-i", "mandelbrot=s=320x240:r=10:maxiter=160", "-pix_fmt", "yuv420p", "-c:v", "libx264", clipB], ct);
await FfmpegAsync(["-i", clipA, "-vf", "crop=iw*0.9:ih*0.9,eq=brightness=0.06,scale=200:-2,format=yuv420p", "-c:v", "libx264", "-crf", "34", copy], ct);

using var features = new BuiltInFeatureExtractor();
var models = DnsModels.BuiltIn(features.Regions, features.Dimensions);
await using (var store = await FileVideoStore.CreateOrOpenAsync(index, VideoRecordFactory.SchemaOf(models), cancellationToken: ct))
{
    var report = await new VideoIndexer(features, models, store)
        .IndexAsync([new VideoSource("clip-a", clipA), new VideoSource("clip-b", clipB)], progress: null, ct);
    Console.WriteLine($"indexed {report.Indexed.Count} videos ({report.Frames} frames), {report.Failed.Count} failed");
    if (report.Failed.Count > 0) return 1;
}

// A second open of the index, as a separate search process would.
await using var reader = await FileVideoStore.CreateOrOpenAsync(index, VideoRecordFactory.SchemaOf(models), cancellationToken: ct);
var engine = new RetrievalEngine(models, reader);
var query = VideoRecordFactory.Create(models, "query", (await features.ExtractAsync(copy, ct)).Values);
var result = engine.Search(query, SelectorPolicy.TopK(2), top: 2);
foreach (var hit in result.Hits) Console.WriteLine($"  {hit.Id}  {hit.Score:F4}  ({hit.Stage})");
if (result.Hits.Count == 0 || result.Hits[0].Id != "clip-a")
{
    Console.Error.WriteLine("HostApp: FAILED, the edited copy did not find clip-a first");
    return 1;
}
Console.WriteLine($"HostApp: OK, top hit clip-a ({result.Hits[0].Score:F4}) ahead of {(result.Hits.Count > 1 ? result.Hits[1].Id : "nothing")}");
return 0;

static async Task FfmpegAsync(string[] arguments, CancellationToken cancellationToken)
{
    var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
    foreach (string a in (string[])["-v", "error", "-y", .. arguments]) start.ArgumentList.Add(a);
    using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
    string errors = await process.StandardError.ReadToEndAsync(cancellationToken);
    await process.WaitForExitAsync(cancellationToken);
    if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', arguments)} failed: {errors}");
}
