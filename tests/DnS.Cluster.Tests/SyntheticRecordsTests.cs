using DnS.Cluster.Host;
using FluentAssertions;
using Xunit;

namespace DnS.Cluster.Tests;

/// <summary>Generated records are the same in every process: the cluster tests compare a cluster with one engine over
/// them, and a randomized seed (HashCode.Combine) once drew a library on which the two differed.</summary>
public sealed class SyntheticRecordsTests
{
    [Theory]
    // The oracle: the SplitMix64 finalizer written out in Python (arbitrary-precision integers masked to 64 bits).
    [InlineData(5, 0L, 557658424)]
    [InlineData(9, 10_000L, 2120720453)]
    [InlineData(-1, 123_456_789_012L, 1499980782)]
    public void The_generator_seed_is_a_fixed_mix_of_seed_and_index(int seed, long n, int expected) =>
        SyntheticRecords.Mix(seed, n).Should().Be(expected);
}
