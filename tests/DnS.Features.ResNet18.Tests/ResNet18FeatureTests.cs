using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Features.Whitening;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Features.ResNet18.Tests;

/// <summary>Video files → ResNet-18 L3-iMAC region features, end to end, and PCA whitening fitted on them.</summary>
[Collection(ResNet18ClipsCollection.Name)]
public sealed class ResNet18FeatureTests(ResNet18Clips clips, ITestOutputHelper output)
{
    [Fact]
    public async Task Features_of_a_real_video_are_unit_960_d_regions_and_edited_copies_are_closer_than_unrelated_clips()
    {
        using var extractor = ResNet18Features.Create();
        (extractor.Regions, extractor.Dimensions).Should().Be((ResNet18Features.Regions, ResNet18Features.Dimensions));

        RegionFeatures source = await extractor.ExtractAsync(clips.Source);
        (source.Frames, source.Regions, source.Dimensions).Should().Be((8, 9, 960));
        source.Values.Should().HaveCount(8 * 9 * 960);
        TensorPrimitives.IsFiniteAll<float>(source.Values).Should().BeTrue();
        for (int r = 0; r < 8 * 9; r++)
            TensorPrimitives.Norm(source.Values.AsSpan(r * 960, 960)).Should().BeApproximately(1f, 1e-4f);

        double mirrored = Similarity(source, await extractor.ExtractAsync(clips.Mirrored));
        double reencoded = Similarity(source, await extractor.ExtractAsync(clips.Reencoded));
        double unrelated = Similarity(source, await extractor.ExtractAsync(clips.Unrelated));
        double other = Similarity(source, await extractor.ExtractAsync(clips.Other));
        output.WriteLine($"chamfer similarity to the source: mirrored {mirrored:F4}, re-encoded {reencoded:F4}, testsrc2 {unrelated:F4}, life {other:F4}");

        double closestUnrelated = Math.Max(unrelated, other);
        mirrored.Should().BeGreaterThan(closestUnrelated);
        reencoded.Should().BeGreaterThan(closestUnrelated);
    }

    [Fact]
    public async Task Pca_fits_on_960_d_regions_are_bit_identical_whatever_the_order_the_library_is_listed_in()
    {
        using var raw = ResNet18Features.Create();
        string[] library = [clips.Source, clips.Unrelated, clips.Other, clips.Reencoded];

        PcaFit first = await PcaFitter.FitAsync(raw, library, components: 64);
        PcaFit second = await PcaFitter.FitAsync(raw, [.. library.Reverse()], components: 64);

        (first.Videos, first.Vectors).Should().Be((4, (8 + 8 + 5 + 8) * 9L));
        first.Whitening.Dimensions.Should().Be(960);
        second.Whitening.GetProjection().Should().Equal(first.Whitening.GetProjection());
        second.Whitening.Mean.ToArray().Should().Equal(first.Whitening.Mean.ToArray());

        using var whitened = ResNet18Features.Create(first.Whitening);
        RegionFeatures features = await whitened.ExtractAsync(clips.Source);
        (features.Frames, features.Regions, features.Dimensions).Should().Be((8, 9, 64));
        var expected = new float[8 * 9 * 64];
        first.Whitening.Whiten((await raw.ExtractAsync(clips.Source)).Values, expected);
        features.Values.Should().Equal(expected);

        var mismatched = () => ResNet18Features.Create(new PcaWhitening(new float[10], new float[20], 2));
        mismatched.Should().Throw<ArgumentException>().WithMessage("*10-d*960 dims*");
    }

    /// <summary>
    /// Video similarity as the parameter-free DnS chamfer, written out here: frame similarity is the mean over query
    /// regions of the best target region's dot product, video similarity the mean over query frames of the best target frame.
    /// </summary>
    private static double Similarity(RegionFeatures query, RegionFeatures target)
    {
        int r = query.Regions, d = query.Dimensions;
        double total = 0;
        for (int i = 0; i < query.Frames; i++)
        {
            double bestFrame = double.NegativeInfinity;
            for (int j = 0; j < target.Frames; j++)
            {
                double frame = 0;
                for (int a = 0; a < r; a++)
                {
                    double bestRegion = double.NegativeInfinity;
                    for (int b = 0; b < r; b++)
                    {
                        double dot = 0;
                        for (int k = 0; k < d; k++)
                            dot += (double)query.Values[((i * r) + a) * d + k] * target.Values[((j * r) + b) * d + k];
                        bestRegion = Math.Max(bestRegion, dot);
                    }

                    frame += bestRegion;
                }

                bestFrame = Math.Max(bestFrame, frame / r);
            }

            total += bestFrame;
        }

        return total / query.Frames;
    }
}
