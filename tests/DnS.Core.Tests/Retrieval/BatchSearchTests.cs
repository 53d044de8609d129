using DnS.Core.Indexing;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Retrieval;

/// <summary>SearchBatch scans the coarse matrix once per batch of queries; its results must be the one-by-one
/// searches' results exactly (ids, stages and scores bit for bit), across batch and segment boundaries.</summary>
public sealed class BatchSearchTests
{
    [Theory]
    [InlineData("coarse")]
    [InlineData("topk:10")]
    [InlineData("dns:0.005")]
    public async Task BatchSearchEqualsOneByOneSearchBitForBit(string policyText)
    {
        var models = RetrievalEngineTests.Models("fg_bin_student");
        var schema = VideoRecordFactory.SchemaOf(models);
        var random = new Random(21);
        VideoRecord Video(string id) => RandomVideoRecords.Binary(schema, random, id, frames: 3);

        string directory = Path.Combine(Path.GetTempPath(), $"dns-batch-{Guid.NewGuid():N}");
        try
        {
            await using var store = await FileVideoStore.CreateOrOpenAsync(directory, schema);
            // Three commits: three segments, so the batched scan crosses coarse blocks; one video deleted.
            for (int segment = 0; segment < 3; segment++)
            {
                for (int n = 0; n < 1000 + (7 * segment); n++) await store.AddAsync(Video($"s{segment}v{n}"));
                await store.CommitAsync();
            }
            await store.RemoveAsync("s1v5");
            await store.CommitAsync();
            store.CoarseBlocks.Should().HaveCountGreaterThan(1);

            // 70 queries: more than one batch of 64; the first ten are indexed videos (left out of their own hits).
            var queries = Enumerable.Range(0, 70).Select(i => i < 10 ? store.GetRecord(i * 300) : Video($"q{i}")).ToArray();
            var engine = new RetrievalEngine(models, store);
            var policy = SelectorPolicy.Parse(policyText);

            var batch = engine.SearchBatch(queries, policy, top: 15);

            batch.Should().HaveCount(queries.Length);
            for (int i = 0; i < queries.Length; i++)
            {
                var single = engine.Search(queries[i], policy, top: 15);
                batch[i].QueryId.Should().Be(queries[i].Id);
                batch[i].Hits.Should().Equal(single.Hits, $"query {i} ({queries[i].Id})");
                batch[i].Hits.Select(h => BitConverter.SingleToInt32Bits(h.CoarseScore))
                    .Should().Equal(single.Hits.Select(h => BitConverter.SingleToInt32Bits(h.CoarseScore)));
                batch[i].Statistics.FinePairs.Should().Be(single.Statistics.FinePairs);
            }

            batch.SelectMany(r => r.Hits).Should().NotContain(h => h.Id == "s1v5");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
