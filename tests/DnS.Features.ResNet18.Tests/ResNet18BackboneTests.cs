using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Decoding;
using FluentAssertions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace DnS.Features.ResNet18.Tests;

/// <summary>The packaged CNTK ResNet-18 and its surgery, checked on frames ffmpeg decoded from a real video.</summary>
[Collection(ResNet18ClipsCollection.Name)]
public sealed class ResNet18BackboneTests(ResNet18Clips clips)
{
    private const int FrameLength = 3 * ResNet18Features.InputSize * ResNet18Features.InputSize;

    [Fact]
    public void The_packaged_model_is_the_documented_fixed_batch_resnet18_and_the_backbone_exposes_its_four_stages()
    {
        File.Exists(ResNet18Features.DefaultModelPath).Should().BeTrue("the package's build step copies the model beside the tests");
        using (var session = new InferenceSession(ResNet18Features.DefaultModelPath))
        {
            session.InputMetadata.Keys.Should().Equal(ResNet18Features.InputName);
            session.InputMetadata[ResNet18Features.InputName].Dimensions.Should().Equal(1, 3, 224, 224);
            session.OutputMetadata.Keys.Should().Equal(ResNet18Features.PooledOutputName);
            session.OutputMetadata[ResNet18Features.PooledOutputName].Dimensions.Should().Equal(1, 512, 1, 1);
        }

        using var backbone = ResNet18Features.OpenBackbone();
        backbone.InputName.Should().Be(ResNet18Features.InputName);
        backbone.StageNames.Should().Equal(ResNet18Features.StageOutputNames);
        var stages = backbone.Run(new FrameBatch(new float[3 * FrameLength], 3, 224, 224, 0));
        stages.Select(s => (s.Count, s.Channels, s.Height, s.Width))
            .Should().Equal((3, 64, 56, 56), (3, 128, 28, 28), (3, 256, 14, 14), (3, 512, 7, 7));
    }

    [Fact]
    public async Task The_model_s_own_pooled_output_is_the_global_mean_of_the_exposed_stage_4_map()
    {
        FrameBatch frames = await SixteenFrames(clips.Source);
        float[] stage4;
        using (var backbone = ResNet18Features.OpenBackbone())
            stage4 = backbone.Run(frames)[3].Data.ToArray();

        // The oracle: ONNX Runtime alone on the unmodified file, one frame at a time as it was exported.
        using var session = new InferenceSession(ResNet18Features.DefaultModelPath);
        float[] pixels = frames.Pixels.ToArray();
        double largest = 0;
        for (int n = 0; n < frames.Count; n++)
        {
            var input = new DenseTensor<float>(pixels.AsMemory(n * FrameLength, FrameLength), [1, 3, 224, 224]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(ResNet18Features.InputName, input)]);
            float[] pooled = results.Single().AsEnumerable<float>().ToArray();
            pooled.Should().HaveCount(512);
            for (int c = 0; c < 512; c++)
            {
                double sum = 0;
                for (int i = 0; i < 49; i++) sum += stage4[(n * 512 + c) * 49 + i];
                double mean = sum / 49;
                mean.Should().BeApproximately(pooled[c], 1e-4 * (1 + Math.Abs(pooled[c])), "frame {0}, channel {1}", n, c);
                largest = Math.Max(largest, mean);
            }
        }

        largest.Should().BeGreaterThan(0.5, "a real frame activates the last stage");
    }

    [Fact]
    public async Task A_batch_of_16_gives_each_frame_the_stage_maps_of_its_batch_of_one()
    {
        FrameBatch frames = await SixteenFrames(clips.Source);
        float[] pixels = frames.Pixels.ToArray();
        using var backbone = ResNet18Features.OpenBackbone();
        float[][] batched = [.. backbone.Run(frames).Select(s => s.Data.ToArray())];

        for (int n = 0; n < frames.Count; n++)
        {
            var single = backbone.Run(new FrameBatch(pixels.AsMemory(n * FrameLength, FrameLength), 1, 224, 224, n));
            for (int s = 0; s < single.Count; s++)
            {
                ReadOnlySpan<float> one = single[s].Data.Span[..single[s].FrameLength];
                ReadOnlySpan<float> inBatch = batched[s].AsSpan(n * single[s].FrameLength, single[s].FrameLength);
                float worst = 0;
                for (int i = 0; i < one.Length; i++)
                    worst = Math.Max(worst, Math.Abs(one[i] - inBatch[i]) / (1 + Math.Abs(one[i])));
                worst.Should().BeLessThan(1e-4f, "frame {0}, stage {1}", n, s + 1);
            }
        }

        batched[3].Should().NotEqual(new float[batched[3].Length], "the frames are not blank");
    }

    [Fact]
    public void Missing_model_and_conflicting_options_fail_with_clear_errors()
    {
        string missing = Path.Combine(clips.Directory, "no-such-resnet18.onnx");
        var open = () => ResNet18Features.OpenBackbone(new ResNet18FeatureOptions { ModelPath = missing });
        open.Should().Throw<FileNotFoundException>().WithMessage($"*'{missing}'*Microsoft.ML.DnnImageFeaturizer.ResNet18*ModelPath*");

        var named = () => ResNet18Features.OpenBackbone(new ResNet18FeatureOptions
        {
            Backbone = new OnnxBackboneOptions { StageOutputNames = ["a", "b", "c", "d"] },
        });
        named.Should().Throw<ArgumentException>().WithMessage("*StageOutputNames and InputName*");

        var notAModel = () => ResNet18Features.OpenBackbone(new ResNet18FeatureOptions { ModelPath = clips.Source });
        notAModel.Should().Throw<BackboneModelException>().WithMessage($"*{clips.Source}*");
    }

    /// <summary>The first 16 frames of a clip sampled at 2 fps, copied out of the decoder's pooled buffer.</summary>
    internal static async Task<FrameBatch> SixteenFrames(string path)
    {
        var decoder = new VideoFrameDecoder(new VideoDecodingOptions { FramesPerSecond = 2, BatchSize = 16 });
        await foreach (FrameBatch batch in decoder.DecodeAsync(path))
        {
            batch.Count.Should().Be(16);
            return batch with { Pixels = batch.Pixels[..(16 * FrameLength)].ToArray() };
        }

        throw new InvalidOperationException($"{path} decoded to no frames");
    }
}
