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
        ArgumentNullException.ThrowIfNull(videoPaths);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVectors, 2);
        // Directory listings and callers order files differently; the float sums of the covariance depend on the order.
        string[] paths = [.. videoPaths.Order(StringComparer.Ordinal)];
        var trainer = new PcaTrainer(extractor.Dimensions);
        var skipped = new List<(string, string)>();
        int videos = 0, done = 0;
        foreach (int index in SpreadOrder(paths.Length))
        {
            if (trainer.Count >= maxVectors) break;
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                trainer.Add((await extractor.ExtractAsync(paths[index], cancellationToken).ConfigureAwait(false)).Values);
                videos++;
            }
            catch (VideoDecodingException e)
            {
                skipped.Add((paths[index], e.Message));
            }
            progress?.Report(++done);
        }
        if (trainer.Count < 2)
            throw new InvalidOperationException($"PCA needs at least 2 region vectors; {paths.Length} videos gave {trainer.Count} ({skipped.Count} could not be decoded)");
        return new PcaFit(trainer.Fit((int)Math.Min(components, trainer.Count - 1)), trainer.Count, videos, skipped);
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
