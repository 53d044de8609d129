using System.Numerics.Tensors;
using DnS.Core.Features;
using DnS.Core.Features.Extraction;
using DnS.Core.Features.Whitening;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using FluentAssertions;
using Xunit;

namespace DnS.Features.ResNet18.Tests;

/// <summary>
/// <c>--features both</c>: the built-in descriptor and ResNet-18 from one decoding, each whitened by its own PCA fitted
/// by the index, fused into one region vector [√0.75 · built-in ; √0.25 · ResNet-18] (a dot product is 0.75·cos_builtin + 0.25·cos_resnet).
/// </summary>
[Collection(ResNet18ClipsCollection.Name)]
public sealed class BothFeaturesTests(ResNet18Clips clips) : IDisposable
{
    private static readonly float BuiltInScale = MathF.Sqrt(0.75f), ResNetScale = 0.5f;

    private readonly string _root = Directory.CreateTempSubdirectory("dns-both-library-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task An_index_fits_both_whitenings_in_one_pass_and_its_vectors_are_the_two_extractors_alone_whitened_and_fused()
    {
        VideoSource[] videos = [new("source", clips.Source), new("mirrored", clips.Mirrored), new("other", clips.Other)];
        string[] sample = [.. videos.Select(v => v.Path)];
        string folder = Path.Combine(_root, "both");
        await using (var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Features = FeatureOptions.Parse("both"), PcaSample = sample }))
            (await library.AddAsync(videos)).Failed.Should().BeEmpty();

        await using var opened = await VideoLibrary.OpenAsync(folder);
        var features = opened.FeatureOptions;
        features.Extractor.Should().Be(FeatureExtractorKind.Both);
        string builtInPca = features.BuiltInPca!, resNetPca = features.Pca!;
        Directory.GetFiles(folder, "pca-*.safetensors").Should().BeEquivalentTo([builtInPca, resNetPca]);

        // Each whitening equals the one fitted on that extractor alone with the documented bounds (128 → 128, 960 → 512
        // at most; 21 frames × 9 regions keep 188 of ResNet-18's).
        const int vectors = (8 + 8 + 5) * 9;
        PcaWhitening builtIn = PcaWhitening.Load(builtInPca), resNet = PcaWhitening.Load(resNetPca);
        using (var alone = new BuiltInFeatureExtractor())
            AssertSame(builtIn, (await PcaFitter.FitAsync(alone, sample, 128, VideoLibraryOptions.PcaSampleVectors)).Whitening);
        using (var alone = ResNet18Features.Create())
            AssertSame(resNet, (await PcaFitter.FitAsync(alone, sample, VideoLibraryOptions.PcaComponents, VideoLibraryOptions.PcaSampleVectors)).Whitening);
        builtIn.Components.Should().Be(128);
        resNet.Components.Should().Be(vectors - 1);
        opened.Schema.Regions.Should().Be(9);
        opened.Schema.FineDimensions.Should().Be(128 + vectors - 1);

        // A query (a clip outside the sample) and a stored video: slices = each extractor run alone on the file, whitened
        // with the index's file, × √0.75 and × √0.25; every region a unit vector.
        var query = await opened.CreateQueryAsync(clips.Reencoded);
        opened.TryGetRecord("mirrored", out var record).Should().BeTrue();
        foreach (var (path, fused) in new[] { (clips.Reencoded, query.FineFloats.ToArray()), (clips.Mirrored, record.FineFloats.ToArray()) })
        {
            using var builtInAlone = new BuiltInFeatureExtractor();
            using var resNetAlone = ResNet18Features.Create(resNet);
            var b = await builtInAlone.ExtractAsync(path);
            var whitenedBuiltIn = new float[b.Frames * 9 * 128];
            builtIn.Whiten(b.Values, whitenedBuiltIn);
            var r = await resNetAlone.ExtractAsync(path);
            r.Frames.Should().Be(b.Frames, "both extractors sample the same frames");
            int d = 128 + resNet.Components;
            fused.Length.Should().Be(b.Frames * 9 * d);
            double worst = 0;
            for (int row = 0; row < b.Frames * 9; row++)
            {
                var region = fused.AsSpan(row * d, d);
                for (int i = 0; i < 128; i++) worst = Math.Max(worst, Math.Abs(region[i] - whitenedBuiltIn[row * 128 + i] * BuiltInScale));
                for (int i = 0; i < resNet.Components; i++) worst = Math.Max(worst, Math.Abs(region[128 + i] - r.Values[row * resNet.Components + i] * ResNetScale));
                TensorPrimitives.Norm(region).Should().BeApproximately(1f, 1e-5f);
            }
            worst.Should().BeLessThan(1e-5, $"the slices of {Path.GetFileName(path)} are the extractors' own whitened outputs");
        }

        // (Which hit ranks first is not asked: whitenings fitted on three clips are no measure of accuracy.)
        opened.Search(query, SelectorPolicy.FineOnly, top: 3).Hits.Select(h => h.Id).Should().BeEquivalentTo(["source", "mirrored", "other"]);
    }

    [Fact]
    public async Task An_index_built_with_both_refuses_other_features_and_bad_pca_files_are_named()
    {
        string folder = Path.Combine(_root, "refuse");
        VideoSource[] videos = [new("other", clips.Other)];
        var both = new VideoLibraryOptions { Features = FeatureOptions.Parse("both"), PcaSample = [.. videos.Select(v => v.Path)] };
        string builtInPca, resNetPca;
        await using (var library = await VideoLibrary.CreateAsync(folder, both))
        {
            (await library.AddAsync(videos)).Failed.Should().BeEmpty();
            (builtInPca, resNetPca) = (library.FeatureOptions.BuiltInPca!, library.FeatureOptions.Pca!);
        }

        foreach (var other in new[] { "builtin", "resnet18" })
        {
            var open = () => VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Features = FeatureOptions.Parse(other), PcaSample = both.PcaSample });
            (await open.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("was built with").And.Contain("features both");
        }
        // A rerun with both reuses the two whitenings; given explicitly, they are the same files.
        await using (var rerun = await VideoLibrary.CreateAsync(folder, both with { PcaSample = [clips.Reencoded] }))
            rerun.FeatureOptions.Should().Be(new FeatureOptions { Extractor = FeatureExtractorKind.Both, Pca = resNetPca, BuiltInPca = builtInPca });
        await (await VideoLibrary.CreateAsync(folder, both with { Features = both.Features with { Pca = resNetPca, BuiltInPca = builtInPca } })).DisposeAsync();
        Directory.GetFiles(folder, "pca-*.safetensors").Should().HaveCount(2);

        // The parts' files swapped: the error names the file and the part.
        var swapped = () => (FeatureOptions.Parse("both") with { Pca = builtInPca, BuiltInPca = resNetPca }).CreateExtractor();
        swapped.Should().Throw<ArgumentException>().WithMessage($"{resNetPca}: the PCA whitening whitens 960-d vectors; the built-in part of both features has 128-d regions");
        var one = () => (FeatureOptions.Parse("both") with { Pca = resNetPca }).CreateExtractor();
        one.Should().Throw<ArgumentException>().WithMessage("both features whiten both parts or neither*");
        var misplaced = () => (FeatureOptions.Parse("resnet18") with { BuiltInPca = builtInPca }).Validate();
        misplaced.Should().Throw<ArgumentException>().WithMessage($"the built-in part's PCA whitening ({builtInPca}) applies to both features only");
    }

    private static void AssertSame(PcaWhitening actual, PcaWhitening expected)
    {
        actual.Components.Should().Be(expected.Components);
        actual.GetProjection().Should().Equal(expected.GetProjection());
        actual.Mean.ToArray().Should().Equal(expected.Mean.ToArray());
    }
}
