using DnS.Core.Features;
using DnS.Core.Features.Extraction;
using DnS.Core.Retrieval;
using DnS.Core.Tests.Features.Extraction;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Retrieval;

/// <summary>
/// The pixel check of inset matches on the ffmpeg overlay clips of <see cref="InsetFeatureTests"/>: every inset of a
/// source verifies and no other clip does, the fast search agrees with a direct exhaustive correlation written out in
/// loops, and the stage moves verified matches (only them, when asked) above the whole ranking.
/// </summary>
public sealed class InsetVerificationTests(ITestOutputHelper output, InsetFeatureTests.Fixture fixture) : IClassFixture<InsetFeatureTests.Fixture>
{
    private const int Side = InsetThumbnailExtractor.Side;
    private readonly InsetFeatureTests.Fixture _fixture = fixture;

    [Fact]
    public async Task Every_inset_verifies_and_no_other_clip_does_and_the_search_equals_a_direct_exhaustive_correlation()
    {
        var (features, thumbnails) = await ExtractAsync();
        float threshold = InsetStageOptions.Default.VerifiedThreshold;
        for (int s = 0; s < 3; s++)
        {
            string query = $"source{s}";
            foreach (string clip in _fixture.Names.Where(n => n != query))
            {
                float score = InsetVerification.Score(features[query], features[clip], thumbnails[query], thumbnails[clip]);
                output.WriteLine($"{query} in {clip}: {score:F3}");
                bool inset = clip.StartsWith($"inset{s}_", StringComparison.Ordinal);
                if (inset) score.Should().BeGreaterThan(threshold, $"{clip} shows {query}");
                else score.Should().BeLessThan(threshold, $"{clip} does not show {query}");
                if (!inset && clip != $"background{s}")
                    continue; // the direct search is slow: the insets and one unrelated clip per source
                // The fast search visits a subset of the direct one's positions, and finds the peak of a real inset.
                float direct = DirectScore(features[query], features[clip], thumbnails[query], thumbnails[clip]);
                output.WriteLine($"  direct {direct:F3}");
                score.Should().BeLessThanOrEqualTo(direct + 1e-4f);
                if (inset) score.Should().BeApproximately(direct, 1e-3f);
            }
        }
    }

    [Fact]
    public async Task Verified_matches_move_to_just_under_the_tier_and_by_default_nothing_else_moves()
    {
        var (features, thumbnails) = await ExtractAsync();
        var options = InsetStageOptions.Default with { VerifyCandidates = 5 };
        var stage = new InsetStage(features, options, thumbnails);
        for (int s = 0; s < 3; s++)
        {
            string query = $"source{s}";
            var insets = Enumerable.Range(0, 3).Select(i => $"inset{s}_{i}").ToHashSet();
            var scores = stage.Score(features[query]);
            var verified = stage.Verify(features[query], thumbnails[query], scores);
            verified.Should().HaveCount(5);
            verified.Where(p => p.Value >= options.VerifiedThreshold && p.Key != query).Select(p => p.Key).Should().BeEquivalentTo(insets);

            // A ranking (without the query itself) with one confident match and the insets last: the insets move to just
            // under the tier, in pixel-score order, under the confident match and above the rest, which keep their scores.
            const double tier = 0.9;
            string confident = $"background{s}";
            (string Id, double Score)[] before = [.. _fixture.Names.Where(n => n != query)
                .Select((n, i) => (n, n == confident ? 0.95 : insets.Contains(n) ? 0.1 - 0.001 * i : 0.8 - 0.001 * i))];
            var after = stage.Rerank(before, scores, tier, verified);
            after[0].Id.Should().Be(confident);
            after.Skip(1).Take(3).Select(p => p.Id).Should().BeEquivalentTo(insets);
            foreach (var (id, score) in after.Skip(1).Take(3))
                score.Should().BeApproximately(tier - 0.01 * (1 - verified[id]), 1e-9);
            var scoresBefore = before.ToDictionary(p => p.Id, p => p.Score);
            after.Skip(4).Should().OnlyContain(p => p.Score == scoresBefore[p.Id]);
        }
        Action noThumbnails = () => new InsetStage(features).Verify(features["source0"], thumbnails["source0"], stage.Score(features["source0"]));
        noThumbnails.Should().Throw<InvalidOperationException>();
        Action missing = () => _ = new InsetStage(features, thumbnails: thumbnails.Where(p => p.Key != "inset0_0").ToDictionary());
        missing.Should().Throw<ArgumentException>().WithMessage("*inset0_0*");
    }

    private async Task<(Dictionary<string, RegionFeatures> Features, Dictionary<string, RegionFeatures> Thumbnails)> ExtractAsync()
    {
        using var insetExtractor = new InsetFeatureExtractor();
        using var thumbnailExtractor = new InsetThumbnailExtractor();
        var features = new Dictionary<string, RegionFeatures>();
        var thumbnails = new Dictionary<string, RegionFeatures>();
        foreach (string name in _fixture.Names)
        {
            features[name] = await insetExtractor.ExtractAsync(_fixture.Path(name));
            thumbnails[name] = await thumbnailExtractor.ExtractAsync(_fixture.Path(name));
            thumbnails[name].Frames.Should().Be(features[name].Frames, "both extractors sample the same frames");
        }
        return (features, thumbnails);
    }

    /// <summary>
    /// The oracle: at the same windows and offsets, every position within half a window step and every frame pair within
    /// ±1 of the offset, the window's interior (an eighth of its side cut on each side), with the shrinking, band-pass and
    /// correlation written out as plain loops in double precision.
    /// </summary>
    private static float DirectScore(RegionFeatures video, RegionFeatures container, RegionFeatures videoThumbnails, RegionFeatures containerThumbnails)
    {
        var windows = InsetFeatureExtractor.CreateWindows(Side);
        var best = InsetSimilarity.BestWindows(video, container, InsetVerification.WindowsPerScale);
        var filtered = Enumerable.Range(0, container.Frames).Select(t => BandPass(Frame(containerThumbnails, t), Side)).ToArray();
        double score = -1;
        foreach (var (scale, w, offset) in best)
        {
            int k = InsetFeatureExtractor.Scales[scale], size = Side / k, reach = size / 4, margin = size / 8, inner = size - 2 * margin;
            var window = windows[w];
            var probes = Enumerable.Range(0, video.Frames).Select(i => Patch(BandPass(Shrink(Frame(videoThumbnails, i), k), size), size, margin, margin, inner)).ToArray();
            for (int y = Math.Max(0, window.Top - reach); y <= Math.Min(Side - size, window.Top + reach); y++)
                for (int x = Math.Max(0, window.Left - reach); x <= Math.Min(Side - size, window.Left + reach); x++)
                {
                    double total = 0;
                    for (int i = 0; i < video.Frames; i++)
                    {
                        double match = double.NegativeInfinity;
                        for (int j = i + offset - 1; j <= i + offset + 1; j++)
                            if (j >= 0 && j < container.Frames)
                                match = Math.Max(match, Correlation(probes[i], Patch(filtered[j], Side, y + margin, x + margin, inner)));
                        if (!double.IsNegativeInfinity(match)) total += match;
                    }
                    score = Math.Max(score, total / video.Frames);
                }
        }
        return (float)score;
    }

    private static double[] Frame(RegionFeatures thumbnails, int t) => [.. thumbnails.Values.AsSpan(t * Side * Side, Side * Side).ToArray().Select(v => (double)v)];

    private static double[] Shrink(double[] image, int k)
    {
        int size = Side / k;
        var small = new double[size * size];
        for (int y = 0; y < Side; y++)
            for (int x = 0; x < Side; x++)
                small[y / k * size + x / k] += image[y * Side + x] / (k * k);
        return small;
    }

    private static double[] BandPass(double[] image, int size)
    {
        double Mean(int y, int x, int r)
        {
            double sum = 0;
            int count = 0;
            for (int yy = y - r; yy <= y + r; yy++)
                for (int xx = x - r; xx <= x + r; xx++)
                    if (yy >= 0 && yy < size && xx >= 0 && xx < size) { sum += image[yy * size + xx]; count++; }
            return sum / count;
        }
        var result = new double[size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                result[y * size + x] = Mean(y, x, 1) - Mean(y, x, 3);
        return result;
    }

    private static double[] Patch(double[] image, int side, int y, int x, int size)
    {
        var patch = new double[size * size];
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++)
                patch[r * size + c] = image[(y + r) * side + x + c];
        return patch;
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (a[i] - ma) * (b[i] - mb);
            na += (a[i] - ma) * (a[i] - ma);
            nb += (b[i] - mb) * (b[i] - mb);
        }
        return na < 1e-12 || nb < 1e-9 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
