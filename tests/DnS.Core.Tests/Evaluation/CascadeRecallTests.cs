using DnS.Core.Evaluation;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Evaluation;

/// <summary>The cascade recall against values counted by hand.</summary>
public sealed class CascadeRecallTests
{
    // Fine (reference) ranks q1: a b c d (q1 itself does not count); q2: x y z.
    private static readonly SimilarityResults Fine = Results(
        ("q1", [("q1", 9.0), ("d", 0.1), ("a", 0.9), ("b", 0.8), ("c", 0.7)]),
        ("q2", [("x", 0.9), ("y", 0.5), ("z", 0.4)]));

    // Coarse (candidate) ranks q1: d a q1-free c b; q2: z y x; q3 is not in the reference.
    private static readonly SimilarityResults Coarse = Results(
        ("q1", [("q1", 5.0), ("a", 0.8), ("b", 0.1), ("c", 0.5), ("d", 0.9)]),
        ("q2", [("x", 0.1), ("y", 0.5), ("z", 0.6)]),
        ("q3", [("x", 0.1)]));

    [Theory]
    // q1: fine top 2 = {a, b}; coarse top 1 = {d} → 0, top 2 = {d, a} → 1/2, top 4 = {d, a, c, b} → 1.
    // q2: fine top 2 = {x, y}; coarse top 1 = {z} → 0, top 2 = {z, y} → 1/2, top 4 → 1.
    [InlineData(2, 1, 0.0)]
    [InlineData(2, 2, 0.5)]
    [InlineData(2, 3, 0.75)] // q1 {d, a, c} → 1/2, q2 {z, y, x} → 1
    [InlineData(2, 4, 1.0)]
    [InlineData(1, 2, 0.5)] // q1 top 1 {a} in {d, a} → 1, q2 top 1 {x} in {z, y} → 0
    public void Recall_is_the_share_of_the_reference_top_N_inside_the_candidate_top_K(int top, int k, double expected)
    {
        var (recall, queries) = CascadeRecall.Compute(Coarse, Fine, top, k);
        queries.Should().Be(2);
        recall.Should().Be(expected);
    }

    [Fact]
    public void Ties_keep_file_order_as_the_FIVR_ranking_does()
    {
        var reference = Results(("q", [("a", 1.0)]));
        // b and a tie; b comes first in the file, so a top-1 shortlist is {b}.
        CascadeRecall.Compute(Results(("q", [("b", 0.5), ("a", 0.5)])), reference, 1, 1).Recall.Should().Be(0);
        CascadeRecall.Compute(Results(("q", [("a", 0.5), ("b", 0.5)])), reference, 1, 1).Recall.Should().Be(1);
    }

    [Fact]
    public void No_common_query_gives_NaN_and_bad_sizes_throw()
    {
        CascadeRecall.Compute(Results(("other", [("a", 1.0)])), Fine, 1, 1).Should().Be((double.NaN, 0));
        FluentActions.Invoking(() => CascadeRecall.Compute(Coarse, Fine, 0, 1)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => CascadeRecall.Compute(Coarse, Fine, 1, 0)).Should().Throw<ArgumentOutOfRangeException>();
    }

    private static SimilarityResults Results(params (string Query, (string, double)[] Entries)[] queries)
    {
        var results = new SimilarityResults();
        foreach (var (query, entries) in queries) results.Add(query, entries);
        return results;
    }
}
