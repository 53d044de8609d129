using DnS.Core.Features;
using DnS.Core.Features.BuiltIn;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Features.BuiltIn;

/// <summary>
/// The measurement behind the built-in encoder's design: mAP of the full descriptor, of each of its
/// blocks alone, of a pixel-thumbnail peer and of the other candidate, a fixed-filter CNN generated as an
/// ONNX graph, on the ffmpeg near-duplicate corpus (docs/builtin-encoder.md).
/// </summary>
public sealed class NearDuplicateEvaluationTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-neardup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Built_in_descriptor_beats_its_blocks_a_thumbnail_and_a_fixed_filter_cnn_on_near_duplicates()
    {
        FrameBatch[][] videos = NearDuplicateCorpus.Generate(_dir);
        var encoder = new BuiltInFrameEncoder();
        float[][][] full = EncodeAll(videos, BuiltInFrameEncoder.Regions, BuiltInFrameEncoder.Dimensions, encoder.Encode);
        float[][][] thumbnails = EncodeAll(videos, 1, ThumbnailBaseline.Dimensions, ThumbnailBaseline.Encode);
        using var cnn = new RandomCnnCandidate(seed: 5);
        float[][][] cnnFeatures = EncodeAll(videos, RandomCnnCandidate.Regions, RandomCnnCandidate.Dimensions, cnn.Encode);

        double fullMap = MeanAp(full, BuiltInFrameEncoder.Regions, BuiltInFrameEncoder.Dimensions);
        double thumbnailMap = MeanAp(thumbnails, 1, ThumbnailBaseline.Dimensions);
        output.WriteLine($"{"built-in, all blocks (3x3 regions, 128-d)",-48} mAP {fullMap:F4}");
        for (int t = 1; t < NearDuplicateCorpus.Transforms.Length; t++)
            output.WriteLine($"{"  copies made by " + NearDuplicateCorpus.Transforms[t].Name,-48} mAP {MeanAp(full, BuiltInFrameEncoder.Regions, BuiltInFrameEncoder.Dimensions, t):F4}");
        // One block alone equals the full descriptor with the others zeroed and renormalized.
        double bestBlock = 0;
        foreach ((string name, int offset, int length) in BuiltInFrameEncoder.Blocks)
        {
            double blockMap = MeanAp(KeepBlock(full, offset, length), BuiltInFrameEncoder.Regions, BuiltInFrameEncoder.Dimensions);
            bestBlock = Math.Max(bestBlock, blockMap);
            output.WriteLine($"{"  only " + name,-48} mAP {blockMap:F4}");
        }

        output.WriteLine($"{"peer: 16x16 gray thumbnail of the whole frame",-48} mAP {thumbnailMap:F4}");
        double cnnMap = MeanAp(cnnFeatures, RandomCnnCandidate.Regions, RandomCnnCandidate.Dimensions);
        output.WriteLine($"{"candidate: fixed random-filter CNN, 3x3 iMAC, 320-d",-48} mAP {cnnMap:F4}");

        fullMap.Should().BeGreaterThan(bestBlock, "the blocks fail on different transforms");
        fullMap.Should().BeGreaterThan(thumbnailMap);
        fullMap.Should().BeGreaterThan(cnnMap, "the shipped encoder is the better of the two training-free candidates");
        fullMap.Should().BeGreaterThan(0.8, "most copies keep their source's colors, edges and layout");
    }

    private static double MeanAp(float[][][] features, int regions, int dimensions, int onlyTransform = -1) =>
        NearDuplicateEvaluation.MeanAveragePrecision(features, regions, dimensions, onlyTransform);

    private static float[][][] EncodeAll(FrameBatch[][] videos, int regions, int dimensions, EncodeFrames encode)
    {
        var features = new float[videos.Length][][];
        for (int s = 0; s < videos.Length; s++)
        {
            features[s] = new float[videos[s].Length][];
            for (int t = 0; t < videos[s].Length; t++)
            {
                features[s][t] = new float[videos[s][t].Count * regions * dimensions];
                encode(videos[s][t], features[s][t]);
            }
        }

        return features;
    }

    private static float[][][] KeepBlock(float[][][] features, int offset, int length) =>
        features.Select(source => source.Select(video =>
        {
            float[] kept = new float[video.Length];
            for (int region = 0; region < video.Length; region += BuiltInFrameEncoder.Dimensions)
            {
                Span<float> block = kept.AsSpan(region + offset, length);
                video.AsSpan(region + offset, length).CopyTo(block);
                float norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares<float>(block));
                if (norm > 0f)
                    System.Numerics.Tensors.TensorPrimitives.Divide(block, norm, block);
            }

            return kept;
        }).ToArray()).ToArray();

    private delegate void EncodeFrames(FrameBatch batch, Span<float> features);
}
