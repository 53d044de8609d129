using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using DnS.Core.Evaluation;
using DnS.Core.Features;
using DnS.Core.Features.Extraction;
using DnS.Core.Retrieval;

namespace RealisticCorpus;

/// <summary>
/// The inset (picture-in-picture) measurement of docs/realistic-corpus.md: <see cref="InsetFeatureExtractor"/> features of
/// every clip (cached per clip as raw floats, so a second run only scores), each query's <see cref="InsetStage.Score"/>
/// against the whole library, written in the FIVR results format, optionally its best matches checked against pixels
/// (<see cref="InsetThumbnailExtractor"/> thumbnails, cached the same way; <see cref="InsetStage.Verify"/>), and a cascade's
/// results re-ranked by <see cref="InsetStage.Rerank"/> (<see cref="Fuse"/>).
/// </summary>
internal static class InsetScores
{
    /// <summary>The stage over every clip's inset features (and thumbnails, when <paramref name="thumbnailCache"/> is given),
    /// each query's inset scores and, with thumbnails, its pixel-verified candidates (<see cref="InsetStage.Verify"/>).</summary>
    public static async Task<(InsetStage Stage, SimilarityResults Scores, SimilarityResults? Verified)> ComputeAsync(string corpus, string cache,
        string? thumbnailCache, int jobs, InsetStageOptions options, IProgress<string> progress, CancellationToken ct)
    {
        var files = Directory.EnumerateFiles(Path.Combine(corpus, "videos")).Where(f => !f.Contains(".partial.", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f).Split('.')[0], StringComparer.Ordinal);
        var ids = (await File.ReadAllLinesAsync(Path.Combine(corpus, "dataset.txt"), ct).ConfigureAwait(false)).Where(l => l.Length > 0).ToArray();
        var queries = (await File.ReadAllLinesAsync(Path.Combine(corpus, "queries.txt"), ct).ConfigureAwait(false)).Where(l => l.Length > 0).ToArray();
        using var extractor = new InsetFeatureExtractor();
        var features = await LoadOrExtractAsync(extractor, "inset features", ids, files, cache, jobs, progress, ct).ConfigureAwait(false);
        IReadOnlyDictionary<string, RegionFeatures>? thumbnails = null;
        if (thumbnailCache is not null)
        {
            using var thumbnailExtractor = new InsetThumbnailExtractor();
            thumbnails = await LoadOrExtractAsync(thumbnailExtractor, "inset thumbnails", ids, files, thumbnailCache, jobs, progress, ct).ConfigureAwait(false);
        }

        var clock = Stopwatch.StartNew();
        var stage = new InsetStage(features, options with { MaxDegreeOfParallelism = jobs }, thumbnails);
        var results = new SimilarityResults();
        var verified = thumbnails is null ? null : new SimilarityResults();
        double verifying = 0;
        foreach (string query in queries)
        {
            var scores = stage.Score(features[query], ct);
            results.Add(query, scores.Select(p => (p.Key, (double)p.Value)));
            if (verified is null) continue;
            var started = clock.Elapsed;
            verified.Add(query, stage.Verify(features[query], thumbnails![query], scores, ct).Select(p => (p.Key, (double)p.Value)));
            verifying += (clock.Elapsed - started).TotalMilliseconds;
        }
        progress.Report($"inset scores: {queries.Length} queries × {ids.Length} clips in {clock.Elapsed.TotalSeconds:F1} s " +
            $"({clock.Elapsed.TotalMilliseconds / queries.Length:F1} ms/query on {jobs} threads" +
            (verified is null ? ")" : $", of which {verifying / queries.Length:F1} ms/query verifying {options.VerifyCandidates} candidates)"));
        return (stage, results, verified);
    }

    /// <summary>A cascade's results re-ranked by the inset stage, query by query (<see cref="InsetStage.Rerank"/>).</summary>
    public static SimilarityResults Fuse(InsetStage stage, SimilarityResults merged, SimilarityResults inset, double tier, SimilarityResults? verified = null)
    {
        var fused = new SimilarityResults();
        foreach (string query in merged.Queries)
        {
            var scores = inset[query]?.ToDictionary(e => e.Id, e => (float)e.Score, StringComparer.Ordinal)
                ?? throw new ArgumentException($"no inset scores for query '{query}' of the cascade's results");
            var pixels = verified?[query]?.ToDictionary(e => e.Id, e => (float)e.Score, StringComparer.Ordinal);
            fused.Add(query, stage.Rerank([.. merged[query]!], scores, tier, pixels));
        }
        return fused;
    }

    /// <summary>Every clip's features, from the cache (one file per clip) or extracted and cached.</summary>
    private static async Task<IReadOnlyDictionary<string, RegionFeatures>> LoadOrExtractAsync(FrameEncodingExtractor extractor, string what, string[] ids,
        Dictionary<string, string> files, string cache, int jobs, IProgress<string> progress, CancellationToken ct)
    {
        Directory.CreateDirectory(cache);
        var features = new ConcurrentDictionary<string, RegionFeatures>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        int extracted = 0, frames = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = ct }, async (id, token) =>
        {
            string path = Path.Combine(cache, id + ".f32");
            RegionFeatures f;
            if (File.Exists(path)) f = Read(path, extractor.Regions, extractor.Dimensions);
            else
            {
                f = await extractor.ExtractAsync(files[id], token).ConfigureAwait(false);
                Write(path, f);
                Interlocked.Add(ref frames, f.Frames);
                if (Interlocked.Increment(ref extracted) % 50 == 0) progress.Report($"{what}: extracted {extracted} clips ({clock.Elapsed.TotalSeconds:F0} s)");
            }
            features[id] = f;
        }).ConfigureAwait(false);
        progress.Report($"{what}: {extracted} clips extracted ({frames} frames) in {clock.Elapsed.TotalSeconds:F1} s, {ids.Length - extracted} from the cache");
        return features;
    }

    private static void Write(string path, RegionFeatures f)
    {
        string temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            stream.Write(BitConverter.GetBytes(f.Frames));
            stream.Write(MemoryMarshal.AsBytes(f.Values.AsSpan()));
        }
        File.Move(temp, path, overwrite: true);
    }

    private static RegionFeatures Read(string path, int regions, int dimensions)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int frames = BitConverter.ToInt32(bytes, 0);
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(sizeof(int))).ToArray();
        if (values.Length != frames * regions * dimensions)
            throw new InvalidDataException($"'{path}' holds {values.Length} floats, not {frames}×{regions}×{dimensions}");
        return new RegionFeatures(values, frames, regions, dimensions);
    }
}
