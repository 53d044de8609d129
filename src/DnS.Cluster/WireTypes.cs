using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Cluster;

/// <summary>A <see cref="VideoRecord"/> as it crosses the wire (Orleans serializes arrays, not memory slices).</summary>
[GenerateSerializer, Immutable, Alias("DnS.Cluster.WireRecord")]
internal sealed record WireRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] int Frames,
    [property: Id(2)] float[] Coarse,
    [property: Id(3)] float[] FineFloats,
    [property: Id(4)] ulong[] FineCodes,
    [property: Id(5)] float SelfSimilarity)
{
    public static WireRecord From(VideoRecord record) =>
        new(record.Id, record.Frames, record.Coarse.ToArray(), record.FineFloats.ToArray(), record.FineCodes.ToArray(), record.SelfSimilarity);

    public VideoRecord ToRecord() => new(Id, Frames, Coarse, FineFloats, FineCodes, SelfSimilarity);
}

/// <summary>A shard's answer to the first half of a search (<see cref="RetrievalEngine"/>'s shard selection), as
/// parallel arrays: the policy's candidates with their coarse scores and selection keys, then the best pairs by coarse score,
/// then (under a policy with region picks) the shard's best region matches with their coarse and region scores.</summary>
[GenerateSerializer, Immutable, Alias("DnS.Cluster.WireSelection")]
internal sealed record WireSelection(
    [property: Id(0)] int LivePairs,
    [property: Id(1)] int SelectorPairs,
    [property: Id(2)] string[] CandidateIds,
    [property: Id(3)] float[] CandidateCoarse,
    [property: Id(4)] float[] CandidateKeys,
    [property: Id(5)] string[] BestIds,
    [property: Id(6)] float[] BestCoarse,
    [property: Id(7)] TimeSpan Coarse,
    [property: Id(8)] TimeSpan Selection,
    [property: Id(9)] string[] RegionIds,
    [property: Id(10)] float[] RegionCoarse,
    [property: Id(11)] float[] RegionScores)
{
    public static WireSelection From(ShardSelection s) => new(
        s.LivePairs, s.SelectorPairs,
        Array.ConvertAll(s.Candidates, p => p.Id), Array.ConvertAll(s.Candidates, p => p.Coarse), Array.ConvertAll(s.Candidates, p => p.Key),
        Array.ConvertAll(s.BestCoarse, p => p.Id), Array.ConvertAll(s.BestCoarse, p => p.Coarse),
        s.Coarse, s.Selection,
        Array.ConvertAll(s.RegionCandidates, p => p.Id), Array.ConvertAll(s.RegionCandidates, p => p.Coarse), Array.ConvertAll(s.RegionCandidates, p => p.Key));
}

/// <summary>A shard's fine scores for the pairs selected over the whole library (NaN for an id no longer live there).</summary>
[GenerateSerializer, Immutable, Alias("DnS.Cluster.WireRerank")]
internal sealed record WireRerank([property: Id(0)] float[] Fine, [property: Id(1)] float[] Merged, [property: Id(2)] TimeSpan Time);

/// <summary>What a silo says about the cluster: shard count and the record layout of every shard.</summary>
[GenerateSerializer, Immutable, Alias("DnS.Cluster.ClusterLayout")]
internal sealed record ClusterLayout(
    [property: Id(0)] int Shards,
    [property: Id(1)] int CoarseDimensions,
    [property: Id(2)] FineFeatureKind FineKind,
    [property: Id(3)] int Regions,
    [property: Id(4)] int FineDimensions)
{
    public StoreSchema Schema => new(CoarseDimensions, FineKind, Regions, FineDimensions);
}
