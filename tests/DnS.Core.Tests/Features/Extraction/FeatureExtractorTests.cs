using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Decoding;
using DnS.Core.Features.Extraction;
using DnS.Core.Features.Pooling;
using DnS.Core.Features.Whitening;
using DnS.Core.Tests.Features.Backbone;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Features.Extraction;

/// <summary>Video file → region features, end to end: real decoding, a real ONNX graph, pooling and PCA.</summary>
[Collection(VideoClipsCollection.Name)]
public sealed class FeatureExtractorTests(VideoClips clips)
{
    [Theory]
    [InlineData("h264.mp4", 3)]
    [InlineData("vp9.webm", 3)]
    [InlineData("h264.mkv", 3)]
    [InlineData("mpeg4.avi", 3)]
    [InlineData("anim.gif", 3)]
    [InlineData("short.mp4", 1)]
    public async Task Built_in_extractor_gives_unit_region_vectors_per_sampled_frame(string clip, int frames)
    {
        using var extractor = new BuiltInFeatureExtractor();
        var features = await extractor.ExtractAsync(clips[clip]);

        features.Frames.Should().Be(frames);
        (features.Regions, features.Dimensions).Should().Be((9, 128));
        features.Values.Should().HaveCount(frames * 9 * 128);
        for (int r = 0; r < frames * 9; r++)
            TensorPrimitives.Norm(features.Values.AsSpan(r * 128, 128)).Should().BeApproximately(1f, 1e-4f);
    }

    [Fact]
    public async Task Backbone_extractor_equals_decoder_then_reference_network_then_pooling()
    {
        var network = new TinyResNet(seed: 11);
        using var extractor = new BackboneFeatureExtractor(OnnxBackbone.FromBytes(network.StagesModel(), "tiny"));
        var features = await extractor.ExtractAsync(clips["h264.mp4"]);

        (features.Frames, features.Regions, features.Dimensions).Should().Be((3, 9, 36));
        var expected = new List<float>();
        await foreach (var batch in new VideoFrameDecoder().DecodeAsync(clips["h264.mp4"]))
        {
            var stages = network.Reference(batch.Pixels.ToArray()[..(batch.Count * 3 * 224 * 224)], batch.Count, 224, 224);
            var pooled = new float[batch.Count * 9 * 36];
            L3IMacPooling.ResNet50.Pool(stages, pooled);
            expected.AddRange(pooled);
        }
        features.Values.Should().HaveCount(expected.Count);
        for (int i = 0; i < expected.Count; i++) features.Values[i].Should().BeApproximately(expected[i], 1e-4f);
    }

    [Fact]
    public async Task Pca_learned_on_extracted_regions_whitens_them_to_the_requested_size()
    {
        var network = new TinyResNet(seed: 3);
        using var raw = new BackboneFeatureExtractor(OnnxBackbone.FromBytes(network.StagesModel(), "tiny"));
        var trainer = new PcaTrainer(raw.Dimensions);
        foreach (var clip in new[] { "h264.mp4", "long.mp4", "anim.gif" })
            trainer.Add((await raw.ExtractAsync(clips[clip])).Values);
        var pca = trainer.Fit(components: 8);

        using var whitened = new BackboneFeatureExtractor(OnnxBackbone.FromBytes(network.StagesModel(), "tiny"), pca);
        var features = await whitened.ExtractAsync(clips["h264.mp4"]);
        (features.Regions, features.Dimensions).Should().Be((9, 8));
        var direct = new float[3 * 9 * 8];
        pca.Whiten((await raw.ExtractAsync(clips["h264.mp4"])).Values, direct);
        features.Values.Should().Equal(direct);

        var mismatched = () => new BackboneFeatureExtractor(OnnxBackbone.FromBytes(network.StagesModel(), "tiny"), new PcaWhitening(new float[10], new float[20], 2));
        mismatched.Should().Throw<ArgumentException>().WithMessage("*10-d*36 dims*");
    }

    [Fact]
    public async Task Pca_fitter_learns_from_a_spread_sample_skips_bad_files_and_equals_the_trainer_fed_directly()
    {
        var network = new TinyResNet(seed: 3);
        using var raw = new BackboneFeatureExtractor(OnnxBackbone.FromBytes(network.StagesModel(), "tiny"));
        string[] corpus = [clips["h264.mp4"], clips["audio.m4a"], clips["long.mp4"], clips["anim.gif"]];

        var fit = await PcaFitter.FitAsync(raw, corpus, components: 8);

        fit.Videos.Should().Be(3);
        fit.Skipped.Should().ContainSingle().Which.Path.Should().Be(clips["audio.m4a"]);
        var trainer = new PcaTrainer(raw.Dimensions);
        // Ordinal order anim.gif, audio.m4a, h264.mp4, long.mp4; spread order 0, 2, 1, 3, without the audio file.
        foreach (var clip in new[] { "anim.gif", "h264.mp4", "long.mp4" })
            trainer.Add((await raw.ExtractAsync(clips[clip])).Values);
        fit.Vectors.Should().Be(trainer.Count);
        fit.Whitening.GetProjection().Should().Equal(trainer.Fit(8).GetProjection());

        // A cap stops after the video that reaches it: anim.gif alone has 3 frames × 9 regions.
        var capped = await PcaFitter.FitAsync(raw, corpus, components: 8, maxVectors: 20);
        (capped.Videos, capped.Vectors).Should().Be((1, 27));
        var nothing = () => PcaFitter.FitAsync(raw, [clips["audio.m4a"]], components: 8);
        await nothing.Should().ThrowAsync<InvalidOperationException>().WithMessage("*at least 2 region vectors*");
    }

    [Fact]
    public async Task Frame_encoder_entry_point_encodes_decoded_batches_as_the_extractor_does()
    {
        using var builtIn = new BuiltInFeatureExtractor();
        using var backbone = new BackboneFeatureExtractor(OnnxBackbone.FromBytes(new TinyResNet(seed: 5).StagesModel(), "tiny"));
        foreach (FrameEncodingExtractor extractor in new FrameEncodingExtractor[] { builtIn, backbone })
        {
            IFrameFeatureEncoder encoder = extractor;
            var expected = await extractor.ExtractAsync(clips["h264.mp4"]);
            var encoded = new List<float>();
            await foreach (var batch in new VideoFrameDecoder().DecodeAsync(clips["h264.mp4"]))
            {
                var destination = new float[batch.Count * encoder.Regions * encoder.Dimensions];
                encoder.Encode(batch, destination);
                encoded.AddRange(destination);
            }
            encoded.Should().Equal(expected.Values);
            var blank = new FrameBatch(new float[2 * 3 * 224 * 224], 2, 224, 224, 0);
            var wrong = () => encoder.Encode(blank, new float[encoder.Regions * encoder.Dimensions]);
            wrong.Should().Throw<ArgumentException>().WithMessage($"2 frames encode to [2, {encoder.Regions}, {encoder.Dimensions}]*");
        }
    }

    [Fact]
    public async Task Bad_files_fail_with_the_decoder_s_typed_error()
    {
        using var extractor = new BuiltInFeatureExtractor();
        var audio = () => extractor.ExtractAsync(clips["audio.m4a"]);
        (await audio.Should().ThrowAsync<VideoDecodingException>()).Which.FilePath.Should().Be(clips["audio.m4a"]);
    }
}
