using DnS.Core.Kernels;

namespace DnS.Core.Networks;

/// <summary>
/// A video's fine-grained index: T×R region vectors of D floats, or T×R sign codes of D bits packed into
/// <see cref="HammingKernel.WordsPerCode"/> ulongs each (bit set ⇔ +1). Immutable once built.
/// </summary>
public sealed class FineFeatures
{
    private readonly float[]? _values;
    private readonly ulong[]? _codes;

    private FineFeatures(int frames, int regions, int dims, float[]? values, ulong[]? codes)
    {
        Frames = frames;
        Regions = regions;
        Dims = dims;
        _values = values;
        _codes = codes;
    }

    /// <summary>T, the number of frames.</summary>
    public int Frames { get; }

    /// <summary>R, regions per frame (9 for the L3-iMAC 3×3 grid).</summary>
    public int Regions { get; }

    /// <summary>D: floats per region vector, or bits per code when <see cref="IsBinary"/>.</summary>
    public int Dims { get; }

    /// <summary>True when the features are packed sign codes.</summary>
    public bool IsBinary => _codes is not null;

    /// <summary>The T×R×D floats (throws for binary features).</summary>
    public ReadOnlySpan<float> Values => _values ?? throw new InvalidOperationException("binary features hold packed codes, not floats");

    /// <summary>The T×R×words packed codes (throws for float features).</summary>
    public ReadOnlySpan<ulong> Codes => _codes ?? throw new InvalidOperationException("float features hold values, not packed codes");

    /// <summary>Bytes of storage the features need (4 per float or 8 per code word).</summary>
    public long StorageBytes => _values is not null ? 4L * _values.Length : 8L * _codes!.Length;

    /// <summary>Wraps T×R×D floats (copied).</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public static FineFeatures FromValues(ReadOnlySpan<float> values, int regions, int dims)
    {
        int frames = VectorMath.Rows(values.Length, checked(regions * dims), nameof(values), $"T×{regions}×{dims}");
        return new FineFeatures(frames, regions, dims, values.ToArray(), null);
    }

    /// <summary>Wraps T×R packed codes of <paramref name="bits"/> bits (copied), e.g. read back from storage.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public static FineFeatures FromCodes(ReadOnlySpan<ulong> codes, int regions, int bits)
    {
        int frameWords = checked(regions * HammingKernel.WordsPerCode(bits));
        if (codes.Length % frameWords != 0)
            throw new ArgumentException($"codes has {codes.Length} words, not a whole number of T×{regions}×{HammingKernel.WordsPerCode(bits)}-word frames", nameof(codes));
        return new FineFeatures(codes.Length / frameWords, regions, bits, null, codes.ToArray());
    }

    internal static FineFeatures Own(float[] values, int frames, int regions, int dims) => new(frames, regions, dims, values, null);

    internal static FineFeatures Own(ulong[] codes, int frames, int regions, int bits) => new(frames, regions, bits, null, codes);
}
