using System.Buffers;
using DnS.Core.Features.Decoding;

namespace DnS.Core.Features.Whitening;

/// <summary>
/// Learns the PCA whitening of a feature extractor's region vectors from a corpus — the step between a raw backbone
/// (L3-iMAC, 3840-d for ResNet-50) and the compact whitened vectors the networks take (512-d in DnS).
/// </summary>
public static class PcaFitter
{
    /// <summary>
    /// Extracts videos spread evenly over <paramref name="videoPaths"/> (every k-th, so the sample covers the whole
    /// corpus rather than its first folder) until <paramref name="maxVectors"/> region vectors are collected, and fits
    /// the whitening. Memory stays at O(D²) (<see cref="PcaTrainer"/>). The sample is deterministic: the paths are
    /// taken in ordinal order, so the same library gives a bit-identical whitening however it was listed.
    /// </summary>
    /// <param name="extractor">The extractor without whitening (its D is the input size).</param>
    /// <param name="videoPaths">The corpus.</param>
    /// <param name="components">
    /// Output size (512 in DnS), at most: a sample of n vectors spans n − 1 centered dimensions, so a smaller sample keeps
    /// n − 1 components (the others would scale rounding noise by 1/√ε and swamp every vector that is not in the sample).
    /// </param>
    /// <param name="maxVectors">Region vectors to learn from; the last video is taken whole.</param>
    /// <param name="progress">Receives the videos done.</param>
    /// <param name="cancellationToken">Stops between videos.</param>
    /// <exception cref="InvalidOperationException">Fewer than two vectors could be extracted.</exception>
    public static async Task<PcaFit> FitAsync(IVideoFeatureExtractor extractor, IReadOnlyList<string> videoPaths, int components, long maxVectors = 100_000,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        return (await FitPartsAsync(extractor, videoPaths, [(extractor.Dimensions, components)], maxVectors, progress, cancellationToken).ConfigureAwait(false))[0];
    }

    /// <summary>
    /// <see cref="FitAsync"/> for an extractor whose region vectors are several parts side by side (the raw
    /// <see cref="Extraction.FusedFeatureExtractor"/>): one whitening per part, fitted on that part's slice of the same
    /// sampled vectors, from one extraction pass.
    /// </summary>
    /// <param name="extractor">The extractor without whitening; its D is the sum of the parts' dimensions.</param>
    /// <param name="videoPaths">The corpus.</param>
    /// <param name="parts">Each part's input dimensions (its slice, in order) and components at most.</param>
    /// <param name="maxVectors">Region vectors to learn from; the last video is taken whole.</param>
    /// <param name="progress">Receives the videos done.</param>
    /// <param name="cancellationToken">Stops between videos.</param>
    /// <exception cref="ArgumentException">The parts do not add up to the extractor's dimensions.</exception>
    /// <exception cref="InvalidOperationException">Fewer than two vectors could be extracted.</exception>
    internal static async Task<PcaFit[]> FitPartsAsync(IVideoFeatureExtractor extractor, IReadOnlyList<string> videoPaths, IReadOnlyList<(int Dimensions, int Components)> parts,
        long maxVectors, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(videoPaths);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVectors, 2);
        if (parts.Sum(p => p.Dimensions) != extractor.Dimensions)
            throw new ArgumentException($"the parts' dimensions add up to {parts.Sum(p => p.Dimensions)}, the extractor gives {extractor.Dimensions}", nameof(parts));
        // Directory listings and callers order files differently; the float sums of the covariance depend on the order.
        string[] paths = [.. videoPaths.Order(StringComparer.Ordinal)];
        var trainers = parts.Select(p => new PcaTrainer(p.Dimensions)).ToArray();
        var skipped = new List<(string, string)>();
        int videos = 0, done = 0;
        foreach (int index in SpreadOrder(paths.Length))
        {
            if (trainers[0].Count >= maxVectors) break;
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                AddParts(trainers, (await extractor.ExtractAsync(paths[index], cancellationToken).ConfigureAwait(false)).Values);
                videos++;
            }
            catch (VideoDecodingException e)
            {
                skipped.Add((paths[index], e.Message));
            }
            progress?.Report(++done);
        }
        long count = trainers[0].Count;
        if (count < 2)
            throw new InvalidOperationException($"PCA needs at least 2 region vectors; {paths.Length} videos gave {count} ({skipped.Count} could not be decoded)");
        return [.. trainers.Select((trainer, p) => new PcaFit(trainer.Fit((int)Math.Min(parts[p].Components, count - 1)), count, videos, skipped))];
    }

    // Each trainer gets its slice of every vector (the whole vector when there is one part).
    private static void AddParts(PcaTrainer[] trainers, float[] values)
    {
        if (trainers.Length == 1)
        {
            trainers[0].Add(values);
            return;
        }
        int width = trainers.Sum(t => t.Dimensions), rows = values.Length / width, offset = 0;
        foreach (var trainer in trainers)
        {
            int d = trainer.Dimensions;
            float[] slices = ArrayPool<float>.Shared.Rent(rows * d);
            try
            {
                for (int r = 0; r < rows; r++) values.AsSpan(r * width + offset, d).CopyTo(slices.AsSpan(r * d, d));
                trainer.Add(slices.AsSpan(0, rows * d));
            }
            finally
            {
                ArrayPool<float>.Shared.Return(slices);
            }
            offset += d;
        }
    }

    // 0, n/2, n/4, 3n/4, …: any prefix of the order is spread over the whole list (bit-reversal over the next power of two).
    private static IEnumerable<int> SpreadOrder(int count)
    {
        int bits = 0;
        while ((1 << bits) < count) bits++;
        for (int i = 0; i < 1 << bits; i++)
        {
            int reversed = 0;
            for (int b = 0; b < bits; b++) reversed |= ((i >> b) & 1) << (bits - 1 - b);
            if (reversed < count) yield return reversed;
        }
    }
}
