using System.Numerics.Tensors;
using DnS.Core.Storage;
using DnS.Training.Data;
using DnS.Training.Teachers;

namespace DistillationStudy;

/// <summary>What <see cref="FeatureCombiner.CombineAsync"/> wrote and what it had to reconcile.</summary>
/// <param name="Videos">Videos written (in both inputs).</param>
/// <param name="Frames">Frames written over all videos.</param>
/// <param name="Truncated">Videos whose two inputs had different frame counts: id, built-in T, ResNet-18 T (the common prefix was kept).</param>
/// <param name="Missing">Ids in only one input (not written).</param>
internal sealed record CombineReport(int Videos, long Frames, IReadOnlyList<(string Id, int BuiltIn, int ResNet)> Truncated, IReadOnlyList<string> Missing);

/// <summary>
/// <c>combine BUILTIN-INDEX RESNET-INDEX OUTPUT [--weight A]</c>: emulates the region vector of <c>dns index --features both</c>,
/// [builtin_w/√2 ; resnet_w/√2], from two indexes of the same videos. The built-in part is PCA-whitened on the library
/// here (all D components, <see cref="WhitenedTeacher.Fit"/>), the ResNet-18 part was whitened on the library by
/// <c>dns index</c>; each part is L2-normalized, so a dot product of two combined regions is the mean of the two
/// cosines. Writes a training feature store (<see cref="FeatureSetBuilder.SchemaFor"/>) that the study's commands read.
/// </summary>
internal static class FeatureCombiner
{
    /// <param name="builtInWeight">The built-in part's share a of each unit region vector: it is scaled to √a and the
    /// ResNet-18 part to √(1 − a), so a dot product is a·cos_builtin + (1 − a)·cos_resnet (0.5: the <c>both</c> layout).</param>
    public static async Task<CombineReport> CombineAsync(IRegionFeatureSource builtIn, IRegionFeatureSource resnet, string output, CancellationToken ct,
        double builtInWeight = 0.5)
    {
        if (!(builtInWeight > 0 && builtInWeight < 1)) throw new ArgumentOutOfRangeException(nameof(builtInWeight), builtInWeight, "the built-in part's weight must be in (0, 1)");
        if (builtIn.Regions != resnet.Regions)
            throw new ArgumentException($"the built-in index has R = {builtIn.Regions} regions per frame and the ResNet-18 index R = {resnet.Regions}");
        var whitening = WhitenedTeacher.Fit(builtIn).Whitening;
        var resnetIndex = Enumerable.Range(0, resnet.Count).ToDictionary(resnet.GetId, v => v, StringComparer.Ordinal);
        int regions = builtIn.Regions, db = builtIn.Dims, dr = resnet.Dims;
        var truncated = new List<(string, int, int)>();
        var missing = new List<string>();
        var written = new HashSet<string>(StringComparer.Ordinal);
        long frames = 0;
        await using var store = await FileVideoStore.CreateOrOpenAsync(output, FeatureSetBuilder.SchemaFor(regions, db + dr), ct);
        for (int v = 0; v < builtIn.Count; v++)
        {
            ct.ThrowIfCancellationRequested();
            string id = builtIn.GetId(v);
            if (!resnetIndex.TryGetValue(id, out int r))
            {
                missing.Add(id);
                continue;
            }
            int tb = builtIn.GetFrames(v), tr = resnet.GetFrames(r), t = Math.Min(tb, tr);
            if (tb != tr) truncated.Add((id, tb, tr));
            var whitened = new float[t * regions * db];
            whitening.Whiten(builtIn.GetFeatures(v).Span[..whitened.Length], whitened);
            var combined = new float[t * regions * (db + dr)];
            Combine(whitened, resnet.GetFeatures(r).Span[..(t * regions * dr)], combined, db, dr, builtInWeight);
            await store.AddAsync(new VideoRecord(id, t, ReadOnlyMemory<float>.Empty, combined, ReadOnlyMemory<ulong>.Empty, float.NaN), ct);
            written.Add(id);
            frames += t;
        }
        missing.AddRange(resnetIndex.Keys.Where(id => !written.Contains(id) && !missing.Contains(id)));
        await store.CommitAsync(ct);
        return new CombineReport(written.Count, frames, truncated, missing);
    }

    /// <summary>
    /// Writes each region as [√w·a/‖a‖ ; √(1 − w)·b/‖b‖] (a unit vector; w = 0.5 is [a/‖a‖ ; b/‖b‖]/√2): <paramref name="first"/>
    /// holds m regions of <paramref name="firstDims"/> floats, <paramref name="second"/> the same m regions of <paramref name="secondDims"/>.
    /// </summary>
    public static void Combine(ReadOnlySpan<float> first, ReadOnlySpan<float> second, Span<float> destination, int firstDims, int secondDims, double firstWeight = 0.5)
    {
        int rows = first.Length / firstDims, width = firstDims + secondDims;
        if (first.Length != rows * firstDims || second.Length != rows * secondDims || destination.Length != rows * width)
            throw new ArgumentException($"parts of {first.Length} and {second.Length} floats and a destination of {destination.Length} are not m regions of {firstDims}, {secondDims} and {width}");
        for (int i = 0; i < rows; i++)
        {
            var row = destination.Slice(i * width, width);
            first.Slice(i * firstDims, firstDims).CopyTo(row);
            second.Slice(i * secondDims, secondDims).CopyTo(row[firstDims..]);
            Part(row[..firstDims], Math.Sqrt(firstWeight));
            Part(row[firstDims..], Math.Sqrt(1 - firstWeight));
        }
    }

    private static void Part(Span<float> part, double length)
    {
        float norm = TensorPrimitives.Norm(part);
        if (norm > 0) TensorPrimitives.Multiply(part, (float)(length / norm), part);
    }
}

/// <summary><c>combine BUILTIN-INDEX RESNET-INDEX OUTPUT [--weight A]</c> on the command line.</summary>
internal static class CombineCommand
{
    public static async Task<int> RunAsync(string builtInIndex, string resnetIndex, string output, double builtInWeight, CancellationToken ct)
    {
        var readOnly = new FileVideoStoreOptions { ReadOnly = true };
        await using var builtIn = await FileVideoStore.OpenAsync(builtInIndex, readOnly, ct);
        await using var resnet = await FileVideoStore.OpenAsync(resnetIndex, readOnly, ct);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var report = await FeatureCombiner.CombineAsync(new StoreFeatureSource(builtIn), new StoreFeatureSource(resnet), output, ct, builtInWeight);
        Console.WriteLine($"{report.Videos} videos, {report.Frames} frames, R = {builtIn.Schema.Regions}, D = {builtIn.Schema.FineDimensions} + {resnet.Schema.FineDimensions} " +
                          $"written to {output} in {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"{report.Truncated.Count} videos with different frame counts (kept the common prefix): " +
                          string.Join(", ", report.Truncated.Select(t => $"{t.Id} {t.BuiltIn}/{t.ResNet}")));
        Console.WriteLine($"{report.Missing.Count} videos in only one index (not written): {string.Join(", ", report.Missing)}");
        return 0;
    }
}
