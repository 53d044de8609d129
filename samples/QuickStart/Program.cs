// DnS.NET quick start: the fast-ranks / slow-re-ranks cascade on a synthetic library of region features.
// A query is a noisy, temporally cropped copy of one library video; the coarse scan (dot products over
// mean-pooled embeddings) ranks every video, then the fine stage (region chamfer, and its packed-bit
// Hamming twin) re-ranks the top candidates.
using System.Diagnostics;
using DnS.Core.Kernels;

const int Regions = 9, Dims = 512, Library = 2000, ReRank = 50;
var rng = new Random(7);
Console.WriteLine($"DnS.NET quick start — kernels on {SimdCapabilities.Best}, {Environment.ProcessorCount} cores");

var videos = new float[Library][];
var embeddings = new float[Library * Dims];
for (int v = 0; v < Library; v++)
{
    videos[v] = SyntheticVideo.Create(rng, frames: rng.Next(8, 41), Regions, Dims);
    SyntheticVideo.MeanEmbedding(videos[v], Regions, Dims, embeddings.AsSpan(v * Dims, Dims));
}

int planted = rng.Next(Library);
float[] query = SyntheticVideo.NoisyCrop(rng, videos[planted], Regions, Dims, noise: 0.6f);
var queryEmbedding = new float[Dims];
SyntheticVideo.MeanEmbedding(query, Regions, Dims, queryEmbedding);

var clock = Stopwatch.StartNew();
var coarse = new float[Library];
DotKernel.OneVsMany(queryEmbedding, embeddings, coarse);
var candidates = new int[ReRank];
var candidateScores = new float[ReRank];
TopK.Select(coarse, candidates, candidateScores);
double coarseMs = clock.Elapsed.TotalMilliseconds;

clock.Restart();
var fine = new float[ReRank];
foreach (var (i, id) in candidates.Index())
{
    var s = new float[(query.Length / (Regions * Dims)) * (videos[id].Length / (Regions * Dims))];
    ChamferKernel.FrameToFrame(query, videos[id], Regions, Dims, s);
    fine[i] = VideoChamfer.Similarity(s, query.Length / (Regions * Dims), videos[id].Length / (Regions * Dims));
}
double fineMs = clock.Elapsed.TotalMilliseconds;

clock.Restart();
int words = HammingKernel.WordsPerCode(Dims);
var queryCodes = new ulong[query.Length / Dims * words];
HammingKernel.PackSigns(query, Dims, queryCodes);
var binary = new float[ReRank];
foreach (var (i, id) in candidates.Index())
{
    var codes = new ulong[videos[id].Length / Dims * words];
    HammingKernel.PackSigns(videos[id], Dims, codes);
    int tq = query.Length / (Regions * Dims), tt = videos[id].Length / (Regions * Dims);
    var s = new float[tq * tt];
    HammingKernel.FrameToFrame(queryCodes, codes, Regions, Dims, s);
    binary[i] = VideoChamfer.Similarity(s, tq, tt);
}
double binaryMs = clock.Elapsed.TotalMilliseconds;

Console.WriteLine($"library: {Library} videos; query: noisy crop of video #{planted}");
Console.WriteLine($"coarse scan + top-{ReRank}: {coarseMs:F2} ms   fine re-rank: {fineMs:F2} ms   binary re-rank (incl. packing): {binaryMs:F2} ms");
Console.WriteLine($"{"rank",4} {"video",6} {"coarse",8} {"fine",8} {"binary",8}");
var order = Enumerable.Range(0, ReRank).OrderByDescending(i => fine[i]).Take(5);
int rank = 1;
foreach (int i in order)
    Console.WriteLine($"{rank++,4} {candidates[i],6} {candidateScores[i],8:F4} {fine[i],8:F4} {binary[i],8:F4}{(candidates[i] == planted ? "  <- the copy" : "")}");
bool found = candidates[Array.IndexOf(fine, fine.Max())] == planted;
Console.WriteLine(found ? "the planted copy ranks first after re-ranking." : "the planted copy was NOT ranked first.");
return found ? 0 : 1;
