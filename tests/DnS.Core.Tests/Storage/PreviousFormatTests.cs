using System.Text.Json.Nodes;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Storage;

/// <summary>
/// Indexes written by an earlier release (files in Storage/Fixtures, see its README) open, read and commit with this
/// one, keeping their format: a later schema property must not change what the manifest's checksum covers.
/// </summary>
public sealed class PreviousFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-previous-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The records the fixtures hold, as the program that wrote them generated them.</summary>
    internal static VideoRecord Video(string id, int frames, int seed)
    {
        var random = new Random(seed);
        var coarse = Enumerable.Range(0, 8).Select(_ => random.NextSingle() - 0.5f).ToArray();
        var fine = Enumerable.Range(0, frames * 3 * 4).Select(_ => random.NextSingle() - 0.3f).ToArray();
        return new VideoRecord(id, frames, coarse, fine, ReadOnlyMemory<ulong>.Empty, seed / 10f);
    }

    [Theory]
    [InlineData("v3-float", 3, CoarseEncoding.Float)]
    [InlineData("v4-int8", 4, CoarseEncoding.Int8AndFloat)]
    public async Task An_index_of_an_earlier_release_opens_reads_and_commits_in_its_format(string fixture, int version, CoarseEncoding encoding)
    {
        string index = Path.Combine(_dir, fixture);
        Directory.CreateDirectory(index);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Storage", "Fixtures", fixture)))
            File.Copy(file, Path.Combine(index, Path.GetFileName(file)));
        var expected = new[] { Video("a", 3, 1), Video("c", 1, 3), Video("b", 4, 4), Video("d", 2, 5) };

        await using (var reader = await FileVideoStore.OpenAsync(index))
        {
            reader.Schema.Should().Be(new StoreSchema(8, FineFeatureKind.Float, 3, 4) { CoarseEncoding = encoding });
            reader.Metadata["note"].Should().Be("written by dfb9609");
            reader.Ids.Should().Equal("a", "c", "b", "d");
            foreach (var video in expected)
            {
                reader.TryGetRecord(video.Id, out var record).Should().BeTrue();
                record.Frames.Should().Be(video.Frames);
                record.Coarse.ToArray().Should().Equal(video.Coarse.ToArray());
                record.FineFloats.ToArray().Should().Equal(video.FineFloats.ToArray());
                record.SelfSimilarity.Should().Be(video.SelfSimilarity);
            }
        }

        await using (var writer = await FileVideoStore.OpenAsync(index, new FileVideoStoreOptions { ReadOnly = false }))
        {
            await writer.AddAsync(Video("e", 2, 6));
            await writer.CommitAsync();
            await writer.CompactAsync();
        }
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(index, "manifest.json")))!["version"]!.GetValue<int>().Should().Be(version);
        await using var reopened = await FileVideoStore.OpenAsync(index);
        reopened.Ids.Should().BeEquivalentTo(["a", "b", "c", "d", "e"]);
        reopened.Schema.RegionMeans.Should().BeFalse();
    }

    [Fact]
    public async Task An_index_of_an_earlier_release_gains_region_means_in_one_commit_and_readers_see_them_after_a_refresh()
    {
        string index = Path.Combine(_dir, "upgrade");
        Directory.CreateDirectory(index);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Storage", "Fixtures", "v4-int8")))
            File.Copy(file, Path.Combine(index, Path.GetFileName(file)));
        await using var reader = await FileVideoStore.OpenAsync(index);
        await using (var writer = await FileVideoStore.OpenAsync(index, new FileVideoStoreOptions { ReadOnly = false }))
        {
            await writer.AddAsync(Video("e", 2, 6)); // staged: committed first
            await writer.AddRegionMeansAsync();
            writer.Schema.Should().Be(new StoreSchema(8, FineFeatureKind.Float, 3, 4) { CoarseEncoding = CoarseEncoding.Int8AndFloat, RegionMeans = true });
            long generation = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(index, "manifest.json")))!["generation"]!.GetValue<long>();
            await writer.AddRegionMeansAsync();
            JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(index, "manifest.json")))!["generation"]!.GetValue<long>()
                .Should().Be(generation, "an index that keeps region means is left as it is");
        }
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(index, "manifest.json")))!["version"]!.GetValue<int>().Should().Be(5);
        Directory.GetFiles(index, "seg-*.dns").Should().ContainSingle("every live record was rewritten into one segment");

        reader.Schema.RegionMeans.Should().BeFalse("a reader sees the manifest it loaded");
        await reader.RefreshAsync();
        reader.Schema.RegionMeans.Should().BeTrue();
        reader.Ids.Should().BeEquivalentTo(["a", "b", "c", "d", "e"]);
        var block = reader.CoarseBlocks.Should().ContainSingle().Subject;
        block.RegionCodes.Length.Should().Be(5 * 3 * 4);
        foreach (var video in new[] { Video("a", 3, 1), Video("c", 1, 3), Video("b", 4, 4), Video("d", 2, 5), Video("e", 2, 6) })
        {
            reader.TryGetOrdinal(video.Id, out int row).Should().BeTrue();
            reader.GetRecord(row).FineFloats.ToArray().Should().Equal(video.FineFloats.ToArray());
            // Region 0's mean, in double: its codes are the mean's int8 quantization (within one step of rounding).
            var mean = new double[4];
            for (int t = 0; t < video.Frames; t++)
                for (int i = 0; i < 4; i++) mean[i] += video.FineFloats.Span[(t * 3 * 4) + i];
            double max = mean.Max(Math.Abs);
            block.RegionCodes.Span.Slice(row * 12, 4).ToArray().Select(c => (int)c)
                .Should().Equal(mean.Select(x => (int)Math.Round(x * 127 / max)), (actual, expected) => Math.Abs(actual - expected) <= 1);
        }
    }
}
