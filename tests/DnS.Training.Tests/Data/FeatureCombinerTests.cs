using DistillationStudy;
using DnS.Core.Features.Extraction;
using DnS.Core.Indexing;
using DnS.Core.Storage;
using DnS.Training.Data;
using DnS.Training.Teachers;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Data;

/// <summary>
/// The study's emulation of the <c>--features both</c> region vector, [a_w/√2 ; b/√2] (or weighted), from two stores of real
/// ffmpeg-decoded built-in features: checked against slicing, the whitening applied on its own, norms and dot
/// products computed in double, and the report of mismatched and missing videos.
/// </summary>
[Collection(TrainingClipsCollection.Name)]
public sealed class FeatureCombinerTests(TrainingClips clips) : IDisposable
{
    private readonly string _root = Path.Combine(clips.Directory, "combine-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly BuiltInFeatureExtractor _extractor = new();

    public void Dispose()
    {
        _extractor.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData(0.5)]   // the --features both layout: [a_w ; b]/√2
    [InlineData(0.75)]  // the weighted early fusion: [√0.75·a_w ; √0.25·b]
    public async Task Combined_regions_are_the_whitened_first_part_and_the_normalized_second_part_scaled_by_their_weights(double weight)
    {
        // First store: three videos. Second store: "pattern" holds its re-encoded copy's features (other values, same
        // frames), "fractal" one frame fewer, "life" is missing and "copy" exists only there.
        await new FeatureSetBuilder(_extractor).BuildAsync(Path.Combine(_root, "a"), [new("pattern", clips.Pattern), new("fractal", clips.Fractal), new("life", clips.Life)]);
        var copy = await _extractor.ExtractAsync(clips.Copy);
        var fractal = await _extractor.ExtractAsync(clips.Fractal);
        int frameFloats = fractal.Regions * fractal.Dimensions;
        await using (var b = await FileVideoStore.CreateOrOpenAsync(Path.Combine(_root, "b"), FeatureSetBuilder.SchemaFor(fractal.Regions, fractal.Dimensions)))
        {
            await b.AddAsync(new VideoRecord("pattern", copy.Frames, ReadOnlyMemory<float>.Empty, copy.Values, ReadOnlyMemory<ulong>.Empty, float.NaN));
            await b.AddAsync(new VideoRecord("fractal", fractal.Frames - 1, ReadOnlyMemory<float>.Empty, fractal.Values.AsMemory(0, (fractal.Frames - 1) * frameFloats), ReadOnlyMemory<ulong>.Empty, float.NaN));
            await b.AddAsync(new VideoRecord("copy", copy.Frames, ReadOnlyMemory<float>.Empty, copy.Values, ReadOnlyMemory<ulong>.Empty, float.NaN));
            await b.CommitAsync();
        }

        await using var first = await FeatureSetBuilder.OpenAsync(Path.Combine(_root, "a"));
        await using var second = await FeatureSetBuilder.OpenAsync(Path.Combine(_root, "b"));
        var report = await FeatureCombiner.CombineAsync(first.Source, second.Source, Path.Combine(_root, "combined"), CancellationToken.None, weight);

        report.Videos.Should().Be(2);
        report.Truncated.Should().Equal(("fractal", fractal.Frames, fractal.Frames - 1));
        report.Missing.Should().BeEquivalentTo("life", "copy");
        report.Frames.Should().Be(copy.Frames + fractal.Frames - 1);

        var whitening = WhitenedTeacher.Fit(first.Source).Whitening;
        await using var combined = await FeatureSetBuilder.OpenAsync(Path.Combine(_root, "combined"));
        var source = combined.Source;
        int d = fractal.Dimensions;
        source.Dims.Should().Be(2 * d);
        source.Regions.Should().Be(fractal.Regions);
        foreach (var (id, firstValues, secondValues) in new[] { ("pattern", (await _extractor.ExtractAsync(clips.Pattern)).Values, copy.Values), ("fractal", fractal.Values, fractal.Values) })
        {
            int v = Enumerable.Range(0, source.Count).Single(i => source.GetId(i) == id);
            int rows = source.GetFrames(v) * source.Regions;
            var whitened = new float[rows * d];
            whitening.Whiten(firstValues.AsSpan(0, rows * d), whitened);
            var values = source.GetFeatures(v).ToArray();
            var part1 = new PartSource(source, 0, d).GetFeatures(v).ToArray();
            var part2 = new PartSource(source, d, d).GetFeatures(v).ToArray();
            for (int r = 0; r < rows; r++)
            {
                var row = values.AsSpan(r * 2 * d, 2 * d);
                Norm(row).Should().BeApproximately(1, 1e-5, "the parts' squared lengths are the weights, which sum to 1");
                Norm(row[..d]).Should().BeApproximately(Math.Sqrt(weight), 1e-5);
                double scale = Norm(secondValues.AsSpan(r * d, d));
                for (int k = 0; k < d; k++)
                {
                    ((double)row[k] / Math.Sqrt(weight)).Should().BeApproximately(whitened[r * d + k], 1e-5);
                    ((double)row[d + k] / Math.Sqrt(1 - weight)).Should().BeApproximately(secondValues[r * d + k] / scale, 1e-5);
                    part1[r * d + k].Should().BeApproximately(whitened[r * d + k], 1e-5f, "the part is the whitened first input again");
                    part2[r * d + k].Should().BeApproximately((float)(secondValues[r * d + k] / scale), 1e-5f);
                }
            }
            // A dot product of two combined regions is the weighted mean of the two parts' cosines.
            var a = values.AsSpan(0, 2 * d);
            var b = values.AsSpan((rows - 1) * 2 * d, 2 * d);
            double expected = weight * Cosine(whitened.AsSpan(0, d), whitened.AsSpan((rows - 1) * d, d))
                + (1 - weight) * Cosine(secondValues.AsSpan(0, d), secondValues.AsSpan((rows - 1) * d, d));
            Dot(a, b).Should().BeApproximately(expected, 1e-5);
        }
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    private static double Norm(ReadOnlySpan<float> a) => Math.Sqrt(Dot(a, a));

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => Dot(a, b) / (Norm(a) * Norm(b));
}
