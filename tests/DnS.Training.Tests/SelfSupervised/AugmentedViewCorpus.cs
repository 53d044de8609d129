using System.Diagnostics;
using DnS.Core.Features.Decoding;
using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Core.Storage;
using DnS.Training.Data;
using DnS.Training.SelfSupervised;

namespace DnS.Training.Tests.SelfSupervised;

/// <summary>
/// Six different lavfi clips (made with ffmpeg into a temporary folder, deleted afterwards) and their two augmented
/// views per clip, extracted once with the built-in encoder into a FileVideoStore, shared by the self-supervised tests.
/// </summary>
public sealed class AugmentedViewCorpus : IDisposable
{
    public const int ViewsPerVideo = 2;
    public const int Seed = 7;

    // Small frames and 2 fps keep extraction fast; 64 px is well above the built-in encoder's 12 px minimum.
    public static readonly VideoDecodingOptions Decoding = new() { FramesPerSecond = 2, ResizeShortSide = 72, CropSize = 64 };

    private static readonly (string Name, string Source)[] Sources =
    [
        ("testsrc2", "testsrc2=size=128x96:rate=10:duration=4"),
        ("mandelbrot", "mandelbrot=size=128x96:rate=10,trim=duration=4"),
        ("life", "life=size=128x96:rate=10:mold=10:ratio=0.5:seed=3:life_color=#ff8800:death_color=#002040,trim=duration=4"),
        ("smptebars", "smptehdbars=size=128x96:rate=10:duration=4,hue=H=2*PI*t/4"),
        ("cellauto", "cellauto=size=128x96:rate=10:rule=110:seed=5,trim=duration=4"),
        ("gradients", "gradients=size=128x96:rate=10:speed=0.05:seed=11:duration=4"),
    ];

    private readonly string _folder = Directory.CreateTempSubdirectory("dns-ssl-").FullName;
    private readonly Lazy<Task<FileVideoStore>> _store;
    private readonly Lazy<Task<FeatureSet>> _copies;

    public AugmentedViewCorpus()
    {
        Extractor = new BuiltInFeatureExtractor(Decoding);
        _store = new Lazy<Task<FileVideoStore>>(BuildAsync);
        _copies = new Lazy<Task<FeatureSet>>(BuildCopiesAsync);
    }

    public BuiltInFeatureExtractor Extractor { get; }

    public IReadOnlyList<VideoSource> Videos { get; private set; } = [];

    public async Task<FileVideoStore> StoreAsync() => await _store.Value;

    public async Task<StoreFeatureSource> ViewsAsync() => new(await StoreAsync());

    /// <summary>
    /// The six clips and a mild copy of each (scaled to 96×72, brighter, re-encoded at CRF 32), extracted with the built-in
    /// encoder: ids <c>&lt;clip&gt;</c> and <c>&lt;clip&gt;-copy</c>.
    /// </summary>
    public async Task<IRegionFeatureSource> CopiesAsync() => (await _copies.Value).Source;

    public string NewFolder(string name) => Directory.CreateDirectory(Path.Combine(_folder, name + "-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    public AugmentedViewExtractor NewViewExtractor(int seed = Seed) => new(Extractor, Decoding, ViewsPerVideo, seed);

    private async Task<FileVideoStore> BuildAsync()
    {
        var videos = new List<VideoSource>();
        foreach (var (name, source) in Sources)
        {
            string path = Path.Combine(_folder, name + ".mp4");
            Ffmpeg("-f", "lavfi", "-i", source, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path);
            videos.Add(new VideoSource(name, path));
        }
        Videos = videos;
        var views = NewViewExtractor();
        var store = await FileVideoStore.CreateOrOpenAsync(Path.Combine(_folder, "views"), views.Schema);
        var report = await views.ExtractAsync(videos, store);
        if (report.Failed.Count > 0) throw new InvalidOperationException(report.Failed[0].Reason);
        return store;
    }

    private async Task<FeatureSet> BuildCopiesAsync()
    {
        await StoreAsync();
        var videos = new List<VideoSource>(Videos);
        foreach (var video in Videos)
        {
            string copy = Path.Combine(_folder, video.Id + "-copy.mp4");
            Ffmpeg("-i", video.Path, "-vf", "scale=96x72,eq=brightness=0.06", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "32", "-pix_fmt", "yuv420p", copy);
            videos.Add(new VideoSource(video.Id + "-copy", copy));
        }
        string directory = Path.Combine(_folder, "copies");
        var report = await new FeatureSetBuilder(Extractor).BuildAsync(directory, videos);
        if (report.Failed.Count > 0) throw new InvalidOperationException(report.Failed[0].Reason);
        return await FeatureSetBuilder.OpenAsync(directory);
    }

    private static void Ffmpeg(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y" }.Concat(args)) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {err}");
    }

    public void Dispose()
    {
        if (_copies.IsValueCreated) _copies.Value.GetAwaiter().GetResult().DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_store.IsValueCreated) _store.Value.GetAwaiter().GetResult().DisposeAsync().AsTask().GetAwaiter().GetResult();
        Extractor.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
