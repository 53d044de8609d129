using DnS.Core.Storage;
using DnS.Training.Data;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Data;

public sealed class StoreFeatureSourceTests
{
    [Fact]
    public async Task Videos_are_indexed_by_id_whatever_order_they_were_stored_in()
    {
        // Parallel extraction stores videos in the order they finish; the sampler's seeded draws index the source, so
        // two runs over the same corpus must see the same order.
        var schema = new StoreSchema(CoarseDimensions: 2, FineKind: FineFeatureKind.Float, Regions: 1, FineDimensions: 2);
        async Task<StoreFeatureSource> Source(params string[] order)
        {
            var store = new InMemoryVideoStore(schema);
            foreach (var id in order)
            {
                float tag = id[^1] - '0';
                await store.AddAsync(new VideoRecord(id, 1, new float[] { 1, 0 }, new float[] { tag, -tag }, ReadOnlyMemory<ulong>.Empty, float.NaN));
            }
            await store.CommitAsync();
            return new StoreFeatureSource(store);
        }

        var first = await Source("v2", "v0", "v1");
        var second = await Source("v1", "v2", "v0");

        foreach (var source in new[] { first, second })
        {
            Enumerable.Range(0, 3).Select(source.GetId).Should().Equal("v0", "v1", "v2");
            Enumerable.Range(0, 3).Select(v => source.GetFeatures(v).Span[0]).Should().Equal(0f, 1f, 2f);
        }
    }
}
