using System.Security.Cryptography;
using DnS.Core.Features.Whitening;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Retrieval;
using FluentAssertions;
using Xunit;

namespace DnS.Features.ResNet18.Tests;

/// <summary>A library with ResNet-18 features: the index fits its PCA whitening itself, keeps it, and queries use it.</summary>
[Collection(ResNet18ClipsCollection.Name)]
public sealed class ResNet18LibraryTests(ResNet18Clips clips) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dns-resnet18-library-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task An_index_fits_its_pca_on_its_videos_byte_identically_keeps_it_for_reruns_and_queries_and_shares_it()
    {
        VideoSource[] videos = [new("source", clips.Source), new("mirrored", clips.Mirrored), new("other", clips.Other)];
        string[] sample = [.. videos.Select(v => v.Path)];
        string first = Path.Combine(_root, "first"), second = Path.Combine(_root, "second");
        var options = new VideoLibraryOptions { Features = FeatureOptions.Parse("resnet18"), PcaSample = sample };
        await using (var library = await VideoLibrary.CreateAsync(first, options))
        {
            (await library.AddAsync(videos)).Failed.Should().BeEmpty();
        }
        // Another run, the videos listed the other way round: the same whitening, byte for byte.
        await (await VideoLibrary.CreateAsync(second, options with { PcaSample = [.. sample.Reverse()] })).DisposeAsync();

        string pca = Directory.GetFiles(first, "pca-*.safetensors").Should().ContainSingle().Subject;
        string pcaSecond = Directory.GetFiles(second, "pca-*.safetensors").Should().ContainSingle().Subject;
        Path.GetFileName(pcaSecond).Should().Be(Path.GetFileName(pca));
        byte[] bytes = await File.ReadAllBytesAsync(pca);
        (await File.ReadAllBytesAsync(pcaSecond)).Should().Equal(bytes);
        Path.GetFileName(pca).Should().Be($"pca-{Convert.ToHexStringLower(SHA256.HashData(bytes))}.safetensors");

        // The documented sample: every video of this small library (fewer than PcaSampleVectors regions), 512 components.
        PcaWhitening stored = PcaWhitening.Load(pca);
        using (var raw = ResNet18Features.Create())
        {
            var oracle = await PcaFitter.FitAsync(raw, sample, VideoLibraryOptions.PcaComponents, VideoLibraryOptions.PcaSampleVectors);
            oracle.Videos.Should().Be(3);
            oracle.Vectors.Should().Be((8 + 8 + 5) * 9);
            stored.Components.Should().Be((8 + 8 + 5) * 9 - 1, "a sample of n vectors keeps n − 1 components");
            stored.GetProjection().Should().Equal(oracle.Whitening.GetProjection());
            stored.Mean.ToArray().Should().Equal(oracle.Whitening.Mean.ToArray());
        }

        await using (var library = await VideoLibrary.OpenAsync(first))
            library.Schema.FineDimensions.Should().Be(stored.Components);

        // A rerun with the same choice reuses the index's whitening: no second fit, no second file.
        await using (var rerun = await VideoLibrary.CreateAsync(first, options with { PcaSample = [clips.Reencoded] }))
        {
            rerun.FeatureOptions.Pca.Should().Be(pca);
            (await rerun.AddAsync(videos)).Skipped.Should().HaveCount(3);
        }
        Directory.GetFiles(first, "pca-*.safetensors").Should().ContainSingle();

        // Queries go through the stored whitening: the same features as ResNet-18 + that file, extracted here directly.
        await using (var library = await VideoLibrary.OpenAsync(first))
        {
            using var direct = ResNet18Features.Create(stored);
            var query = await library.CreateQueryAsync(clips.Reencoded);
            query.FineFloats.ToArray().Should().Equal((await direct.ExtractAsync(clips.Reencoded)).Values);
            library.TryGetRecord("mirrored", out var record).Should().BeTrue();
            record.FineFloats.ToArray().Should().Equal((await direct.ExtractAsync(clips.Mirrored)).Values);
            var hits = library.Search(query, SelectorPolicy.FineOnly, top: 2).Hits.Select(h => h.Id);
            hits.Should().Contain("source", "the re-encoded clip is a copy of it");
        }

        // --pca FILE: another index shares the whitening instead of fitting its own.
        string shared = Path.Combine(_root, "shared");
        await using (var library = await VideoLibrary.CreateAsync(shared, new VideoLibraryOptions { Features = FeatureOptions.Parse("resnet18") with { Pca = pca } }))
            library.FeatureOptions.Pca.Should().Be(Path.Combine(shared, Path.GetFileName(pca)));
    }
}
