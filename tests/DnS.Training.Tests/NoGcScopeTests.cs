using System.Runtime;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NoGcCollection
{
    public const string Name = "No GC region (runs alone: the region is process-wide)";
}

/// <summary>The guard that keeps TorchSharp's implicit scalars alive through a training step.</summary>
[Collection(NoGcCollection.Name)]
public sealed class NoGcScopeTests
{
    [Fact]
    public void A_scope_holds_off_collections_until_it_ends_and_a_nested_scope_leaves_it_alone()
    {
        GCSettings.LatencyMode.Should().NotBe(GCLatencyMode.NoGCRegion);
        var garbage = new List<byte[]>();
        using (NoGcScope.Enter())
        {
            int collections = GC.CollectionCount(0);
            for (int i = 0; i < 4096; i++) garbage.Add(new byte[1024]);
            using (NoGcScope.Enter()) garbage.Clear();
            GCSettings.LatencyMode.Should().Be(GCLatencyMode.NoGCRegion, "a nested scope must not end the outer region");
            GC.CollectionCount(0).Should().Be(collections);
        }
        GCSettings.LatencyMode.Should().NotBe(GCLatencyMode.NoGCRegion);

        // Allocating past the budget ends the region early: protection lapses, nothing throws.
        var overBudget = () =>
        {
            using var scope = NoGcScope.Enter();
            for (int i = 0; i < 160; i++) garbage.Add(new byte[1 << 20]);
        };
        overBudget.Should().NotThrow();
        GCSettings.LatencyMode.Should().NotBe(GCLatencyMode.NoGCRegion);
    }
}
