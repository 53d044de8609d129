using DnS.Training.Modules;
using static TorchSharp.torch;

namespace DnS.Training.SelfSupervised;

/// <summary>
/// The teacher's similarity between every ordered pair of clips in a batch, as one N×N matrix with autograd.
/// Clips have different lengths, so instead of N² padded pair batches the frames of all clips are concatenated:
/// one region-similarity product gives every frame-to-frame cell, each pair's f2f is a block of it, and pairs with
/// the same block shape go through the comparator together. Each entry equals the teacher's own pair similarity
/// (<see cref="ViSiLTeacherModule.forward"/>) on the two clips, without padding.
/// </summary>
public static class ClipSimilarityMatrix
{
    /// <summary>Scores all pairs of <paramref name="clips"/> (each [T, R, D], T ≥ 1).</summary>
    /// <param name="teacher">The teacher.</param>
    /// <param name="clips">Raw region features of the clips.</param>
    /// <param name="rawComparator">Receives each shape group's raw comparator output (for the similarity regularization); may be null.</param>
    /// <returns>S [N, N] with S[i, j] the similarity of query clip i to target clip j.</returns>
    /// <exception cref="ArgumentException">A clip is not [T, R, D] with the regions and dimensions of the others.</exception>
    public static Tensor Compute(ViSiLTeacherModule teacher, IReadOnlyList<Tensor> clips, List<Tensor>? rawComparator = null)
    {
        int n = clips.Count;
        if (n == 0) throw new ArgumentException("a batch needs at least one clip", nameof(clips));
        var offsets = new long[n + 1];
        for (int i = 0; i < n; i++)
        {
            var c = clips[i];
            if (c.dim() != 3 || c.shape[0] < 1 || c.shape[1] != clips[0].shape[1] || c.shape[2] != clips[0].shape[2])
                throw new ArgumentException($"clip {i} has shape [{string.Join(", ", c.shape)}], expected [T, {clips[0].shape[1]}, {clips[0].shape[2]}]", nameof(clips));
            offsets[i + 1] = offsets[i] + c.shape[0];
        }
        long frames = offsets[n], regions = clips[0].shape[1], dims = clips[0].shape[2];
        var prepared = teacher.IndexVideo(cat([.. clips], 0)).reshape(frames * regions, dims);
        var regionSimilarity = prepared.matmul(prepared.t()).reshape(frames, regions, frames, regions);
        // Layout [query frame, query region, target frame, target region]: the same cells as Chamfer's biopj.
        var f2f = regionSimilarity.amax(3).mean([1]);
        if (teacher.Symmetric) f2f = (f2f + regionSimilarity.amax(1).mean([2])).div(ScalarConstants.Two);

        var groups = new Dictionary<(long, long), List<int>>();
        for (int pair = 0; pair < n * n; pair++)
        {
            var key = (offsets[pair / n + 1] - offsets[pair / n], offsets[pair % n + 1] - offsets[pair % n]);
            if (!groups.TryGetValue(key, out var members)) groups[key] = members = [];
            members.Add(pair);
        }
        var scores = new List<Tensor>(groups.Count);
        var order = new List<long>(n * n);
        foreach (var ((tq, tt), members) in groups)
        {
            var blocks = new Tensor[members.Count];
            for (int m = 0; m < members.Count; m++)
            {
                int q = members[m] / n, t = members[m] % n;
                blocks[m] = f2f.narrow(0, offsets[q], tq).narrow(1, offsets[t], tt);
                order.Add(members[m]);
            }
            var stacked = stack(blocks);
            var raw = teacher.RawComparator(stacked);
            if (raw is not null) rawComparator?.Add(raw);
            scores.Add(teacher.VideoSimilarity(raw is null ? stacked : VideoComparatorModule.HardTanh(raw)));
        }
        // Scores come out grouped by shape; the inverse permutation puts pair q·N + t back at its place.
        var inverse = new long[n * n];
        for (int i = 0; i < order.Count; i++) inverse[order[i]] = i;
        return cat(scores, 0).index_select(0, tensor(inverse)).reshape(n, n);
    }
}
