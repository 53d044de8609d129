using System.Collections.Concurrent;
using System.Diagnostics;
using DnS.Core.Evaluation;
using DnS.Core.Features;
using DnS.Core.Features.Extraction;
using DnS.Core.Retrieval;

namespace RealisticCorpus;

/// <summary>
/// The inset (picture-in-picture) measurement of docs/realistic-corpus.md: <see cref="InsetFeatureExtractor"/> features of
/// every clip (cached per clip as raw floats, so a second run only scores), and each query's
/// <see cref="InsetSimilarity"/> against the whole library, written in the FIVR results format, and optionally fused
/// into a cascade's results (<see cref="Fuse"/>).
/// </summary>
internal static class InsetScores
{
    public static async Task<SimilarityResults> ComputeAsync(string corpus, string cache, int jobs, bool directed, IProgress<string> progress, CancellationToken ct)
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
        var rows = new (string Id, double Score)[queries.Length][];
        Parallel.For(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = jobs, CancellationToken = ct }, q =>
            rows[q] = [.. ids.Select(id => (id, (double)(directed ? InsetSimilarity.Inside(features[queries[q]], features[id]) : InsetSimilarity.Score(features[queries[q]], features[id]))))]);
        progress.Report($"inset scores: {queries.Length} queries × {ids.Length} clips in {clock.Elapsed.TotalSeconds:F1} s " +
            $"({clock.Elapsed.TotalMilliseconds / queries.Length:F1} ms/query on {jobs} threads)");
        var results = new SimilarityResults();
        for (int q = 0; q < queries.Length; q++) results.Add(queries[q], rows[q]);
        return results;
    }

    /// <summary>
    /// A cascade's results with inset matches added below its confident ones: a pair whose merged score is under
    /// <paramref name="tier"/> but whose inset score reaches <paramref name="threshold"/> moves to just under the tier
    /// (ordered by its inset score); every pair at or above the tier, and every other pair, keeps its score, so copies the
    /// cascade already ranks confidently are never pushed down.
    /// </summary>
    public static SimilarityResults Fuse(SimilarityResults merged, SimilarityResults inset, double tier, double threshold)
    {
        var fused = new SimilarityResults();
        foreach (string query in merged.Queries)
        {
            var insets = inset[query]?.ToDictionary(e => e.Id, e => e.Score, StringComparer.Ordinal) ?? [];
            fused.Add(query, merged[query]!.Select(e =>
                e.Score < tier && insets.TryGetValue(e.Id, out double s) && s >= threshold ? (e.Id, Math.Max(e.Score, tier - 0.01 * (1 - s))) : e));
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
