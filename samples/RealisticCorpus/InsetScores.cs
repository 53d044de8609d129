using System.Collections.Concurrent;
using System.Diagnostics;
using DnS.Core.Evaluation;
using DnS.Core.Features;
using DnS.Core.Features.Extraction;
using DnS.Core.Retrieval;

namespace RealisticCorpus;

/// <summary>
/// The inset (picture-in-picture) measurement of docs/realistic-corpus.md: <see cref="InsetFeatureExtractor"/> features of
/// every clip (cached per clip as raw floats, so a second run only scores), each query's <see cref="InsetStage.Score"/>
/// against the whole library, written in the FIVR results format, and optionally a cascade's results re-ranked by
/// <see cref="InsetStage.Rerank"/> (<see cref="Fuse"/>).
/// </summary>
internal static class InsetScores
{
    public static async Task<(InsetStage Stage, SimilarityResults Scores)> ComputeAsync(string corpus, string cache, int jobs, InsetStageOptions options,
        IProgress<string> progress, CancellationToken ct)
    {
        Directory.CreateDirectory(cache);
        var files = Directory.EnumerateFiles(Path.Combine(corpus, "videos")).Where(f => !f.Contains(".partial.", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f).Split('.')[0], StringComparer.Ordinal);
        var ids = (await File.ReadAllLinesAsync(Path.Combine(corpus, "dataset.txt"), ct).ConfigureAwait(false)).Where(l => l.Length > 0).ToArray();
        var queries = (await File.ReadAllLinesAsync(Path.Combine(corpus, "queries.txt"), ct).ConfigureAwait(false)).Where(l => l.Length > 0).ToArray();
        var features = new ConcurrentDictionary<string, RegionFeatures>(StringComparer.Ordinal);
        using var extractor = new InsetFeatureExtractor();
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
                if (Interlocked.Increment(ref extracted) % 50 == 0) progress.Report($"extracted {extracted} clips ({clock.Elapsed.TotalSeconds:F0} s)");
            }
            features[id] = f;
        }).ConfigureAwait(false);
        progress.Report($"inset features: {extracted} clips extracted ({frames} frames) in {clock.Elapsed.TotalSeconds:F1} s, {ids.Length - extracted} from the cache");

        clock.Restart();
        var stage = new InsetStage(features, options with { MaxDegreeOfParallelism = jobs });
        var results = new SimilarityResults();
        foreach (string query in queries)
            results.Add(query, stage.Score(features[query], ct).Select(p => (p.Key, (double)p.Value)));
        progress.Report($"inset scores: {queries.Length} queries × {ids.Length} clips in {clock.Elapsed.TotalSeconds:F1} s " +
            $"({clock.Elapsed.TotalMilliseconds / queries.Length:F1} ms/query on {jobs} threads)");
        return (stage, results);
    }

    /// <summary>A cascade's results re-ranked by the inset stage, query by query (<see cref="InsetStage.Rerank"/>).</summary>
    public static SimilarityResults Fuse(InsetStage stage, SimilarityResults merged, SimilarityResults inset, double tier)
    {
        var fused = new SimilarityResults();
        foreach (string query in merged.Queries)
        {
            var scores = inset[query]?.ToDictionary(e => e.Id, e => (float)e.Score, StringComparer.Ordinal)
                ?? throw new ArgumentException($"no inset scores for query '{query}' of the cascade's results");
            fused.Add(query, stage.Rerank([.. merged[query]!], scores, tier));
        }
        return fused;
    }

    private static void Write(string path, RegionFeatures f)
    {
        string temp = path + ".tmp";
        using (var stream = File.Create(temp))
        {
            using var writer = new BinaryWriter(stream);
            writer.Write(f.Frames);
            foreach (float v in f.Values) writer.Write(v);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static RegionFeatures Read(string path, int regions, int dimensions)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        int frames = reader.ReadInt32();
        var values = new float[frames * regions * dimensions];
        for (int i = 0; i < values.Length; i++) values[i] = reader.ReadSingle();
        return new RegionFeatures(values, frames, regions, dimensions);
    }
}
