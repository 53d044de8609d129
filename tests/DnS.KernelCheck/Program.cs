using DnS.Core.Kernels;

// Self-check of every kernel on the process's best SIMD path against the scalar path. Prints "best=<path>", one line
// per kernel, and exits 1 on any mismatch, so a parent process can re-run it with instruction sets disabled.
var failures = new List<string>();
Console.WriteLine($"best={SimdCapabilities.Best}");

float[] Uniform(int count, int seed)
{
    var random = new Random(seed);
    var values = new float[count];
    for (int n = 0; n < count; n++)
    {
        values[n] = (random.NextSingle() * 2f) - 1f;
    }

    return values;
}

void Compare(string kernel, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance)
{
    double worst = 0;
    for (int n = 0; n < expected.Length; n++)
    {
        bool bothNaN = float.IsNaN(actual[n]) && float.IsNaN(expected[n]);
        double difference = bothNaN ? 0 : Math.Abs(actual[n] - expected[n]);
        worst = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(worst, difference);
    }

    Console.WriteLine($"{kernel} maxdiff={worst:G3}");
    if (worst > tolerance)
    {
        failures.Add(kernel);
    }
}

SimdPath best = SimdCapabilities.Best;
const int Regions = 9;
const int Dims = 67;
const int Frames = 13;
float[] query = Uniform(Frames * Regions * Dims, 1);
float[] target = Uniform((Frames + 6) * Regions * Dims, 2);
query[100] = float.NaN;
var fast = new float[Frames * (Frames + 6)];
var slow = new float[fast.Length];
ChamferKernel.FrameToFrame(query, target, Regions, Dims, fast, best);
ChamferKernel.FrameToFrame(query, target, Regions, Dims, slow, SimdPath.Scalar);
Compare("chamfer", fast, slow, 1e-3);

var product = new float[37 * 41];
var productScalar = new float[product.Length];
Gemm.MultiplyTransposed(query.AsSpan(0, 37 * Dims), target.AsSpan(0, 41 * Dims), product, 37, 41, Dims, best);
Gemm.MultiplyTransposed(query.AsSpan(0, 37 * Dims), target.AsSpan(0, 41 * Dims), productScalar, 37, 41, Dims, SimdPath.Scalar);
Compare("gemm", product, productScalar, 1e-3);

var scores = new float[target.Length / Dims];
var scoresScalar = new float[scores.Length];
DotKernel.OneVsMany(query.AsSpan(Dims, Dims), target, scores, best);
DotKernel.OneVsMany(query.AsSpan(Dims, Dims), target, scoresScalar, SimdPath.Scalar);
Compare("dot", scores, scoresScalar, 1e-3);

var batched = new float[3 * scores.Length];
BatchDotKernel.ManyVsMany(query.AsSpan(0, 3 * Dims), target, Dims, batched, scores.Length, best);
var singles = new float[batched.Length];
for (int q = 0; q < 3; q++)
{
    DotKernel.OneVsMany(query.AsSpan(q * Dims, Dims), target, singles.AsSpan(q * scores.Length, scores.Length), best);
}

Compare("batchdot", batched, singles, 0);

sbyte[] Int8(int count, int seed)
{
    var random = new Random(seed);
    var codes = new sbyte[count];
    random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(codes.AsSpan()));
    return codes;
}

sbyte[] queryInt8 = Int8(Dims, 5);
sbyte[] codesInt8 = Int8(41 * Dims, 6);
float[] rowScales = Uniform(41, 7);
var quantized = new float[41];
var quantizedScalar = new float[41];
QuantizedDotKernel.OneVsMany(queryInt8, 0.5f, codesInt8, rowScales, quantized, best);
QuantizedDotKernel.OneVsMany(queryInt8, 0.5f, codesInt8, rowScales, quantizedScalar, SimdPath.Scalar);
Compare("quantized", quantized, quantizedScalar, 0);

var indices = new int[7];
var indicesScalar = new int[7];
TopK.Select(scores, indices, new float[7], best);
TopK.Select(scores, indicesScalar, new float[7], SimdPath.Scalar);
Compare("topk", Array.ConvertAll(indices, i => (float)i), Array.ConvertAll(indicesScalar, i => (float)i), 0);

Compare("videochamfer", [VideoChamfer.Symmetric(slow, Frames, Frames + 6, best)], [VideoChamfer.Symmetric(slow, Frames, Frames + 6, SimdPath.Scalar)], 1e-6);

const int Bits = 200;
int words = HammingKernel.WordsPerCode(Bits);
var queryCodes = new ulong[Frames * Regions * words];
var targetCodes = new ulong[Frames * Regions * words];
var queryCodesScalar = new ulong[queryCodes.Length];
float[] querySigns = Uniform(Frames * Regions * Bits, 3);
HammingKernel.PackSigns(querySigns, Bits, queryCodes, best);
HammingKernel.PackSigns(querySigns, Bits, queryCodesScalar, SimdPath.Scalar);
HammingKernel.PackSigns(Uniform(Frames * Regions * Bits, 4), Bits, targetCodes, best);
Compare("packsigns", Array.ConvertAll(queryCodes, c => (float)c), Array.ConvertAll(queryCodesScalar, c => (float)c), 0);
var hamming = new float[Frames * Frames];
var hammingScalar = new float[hamming.Length];
HammingKernel.FrameToFrame(queryCodes, targetCodes, Regions, Bits, hamming, best);
HammingKernel.FrameToFrame(queryCodes, targetCodes, Regions, Bits, hammingScalar, SimdPath.Scalar);
Compare("hamming", hamming, hammingScalar, 0);

// Winograd F(2×2, 3×3): channel counts with a tail past the last whole vector on every width (20 = 16 + 4), odd
// image sizes, both paddings, the pooling and the projection epilogues, and one input channel (the comparator's conv1).
foreach (bool replicate in new[] { false, true })
{
    foreach (int inChannels in new[] { 1, 20 })
    {
        const int OutChannels = 24, Height = 9, Width = 7;
        var convolution = new WinogradConvolution(Uniform(OutChannels * inChannels * 9, 8 + inChannels), Uniform(OutChannels, 9), OutChannels, inChannels);
        float[] image = Uniform(Height * Width * inChannels, 10 + inChannels);
        var pooled = new float[(Height / 2) * (Width / 2) * OutChannels];
        var pooledScalar = new float[pooled.Length];
        convolution.ConvolvePool(image, Height, Width, replicate, pooled, best);
        convolution.ConvolvePool(image, Height, Width, replicate, pooledScalar, SimdPath.Scalar);
        Compare($"winograd-pool-{inChannels}-{(replicate ? "replicate" : "zero")}", pooled, pooledScalar, 1e-4);
        var projected = new float[Height * Width];
        var projectedScalar = new float[projected.Length];
        float[] projection = Uniform(OutChannels, 11);
        convolution.ConvolveProject(image, Height, Width, replicate, projection, 0.25f, projected, best);
        convolution.ConvolveProject(image, Height, Width, replicate, projection, 0.25f, projectedScalar, SimdPath.Scalar);
        Compare($"winograd-project-{inChannels}-{(replicate ? "replicate" : "zero")}", projected, projectedScalar, 1e-4);
    }
}

// Winograd F(4×4, 3×3), pooling only: 11×13 pools to 5×6, so the last tile row keeps one of its two pooled rows and
// the last tile column is whole; 9×7 pools to 4×3, a last tile column with one pooled column.
foreach (bool replicate in new[] { false, true })
{
    foreach (var (height, width) in new[] { (11, 13), (9, 7) })
    {
        const int OutChannels = 24, InChannels = 20;
        var convolution = new WinogradConvolution(Uniform(OutChannels * InChannels * 9, 30), Uniform(OutChannels, 31), OutChannels, InChannels, tile: 4);
        float[] image = Uniform(height * width * InChannels, 32);
        var pooled = new float[(height / 2) * (width / 2) * OutChannels];
        var pooledScalar = new float[pooled.Length];
        convolution.ConvolvePool(image, height, width, replicate, pooled, best);
        convolution.ConvolvePool(image, height, width, replicate, pooledScalar, SimdPath.Scalar);
        Compare($"winograd4-pool-{height}x{width}-{(replicate ? "replicate" : "zero")}", pooled, pooledScalar, 1e-4);
    }
}

Console.WriteLine(failures.Count == 0 ? "ok" : $"FAILED: {string.Join(", ", failures)}");
return failures.Count == 0 ? 0 : 1;
