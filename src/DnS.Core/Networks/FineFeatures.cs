using DnS.Core.Kernels;

namespace DnS.Core.Networks;

/// <summary>
/// A video's fine-grained index: T×R region vectors of D floats, or T×R sign codes of D bits packed into
/// <see cref="HammingKernel.WordsPerCode"/> ulongs each (bit set ⇔ +1). Immutable once built.
/// </summary>
public sealed class FineFeatures
{
    private readonly ReadOnlyMemory<float>? _values;
    private readonly ReadOnlyMemory<ulong>? _codes;

    private FineFeatures(int frames, int regions, int dims, ReadOnlyMemory<float>? values, ReadOnlyMemory<ulong>? codes)
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
    public ReadOnlySpan<float> Values => ValueMemory.Span;

    /// <summary>The T×R×words packed codes (throws for float features).</summary>
    public ReadOnlySpan<ulong> Codes => CodeMemory.Span;

    /// <summary>The T×R×D floats as memory (throws for binary features).</summary>
    public ReadOnlyMemory<float> ValueMemory => _values ?? throw new InvalidOperationException("binary features hold packed codes, not floats");

    /// <summary>The T×R×words packed codes as memory (throws for float features).</summary>
    public ReadOnlyMemory<ulong> CodeMemory => _codes ?? throw new InvalidOperationException("float features hold values, not packed codes");

    /// <summary>Bytes of storage the features need (4 per float or 8 per code word).</summary>
    public long StorageBytes => _values is { } values ? 4L * values.Length : 8L * _codes!.Value.Length;

    /// <summary>Wraps T×R×D floats (copied).</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public static FineFeatures FromValues(ReadOnlySpan<float> values, int regions, int dims) => Wrap(values.ToArray(), regions, dims);

    /// <summary>Wraps T×R packed codes of <paramref name="bits"/> bits (copied), e.g. read back from storage.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public static FineFeatures FromCodes(ReadOnlySpan<ulong> codes, int regions, int bits) => Wrap(codes.ToArray(), regions, bits);

    /// <summary>
    /// Wraps T×R×D floats without copying — e.g. a memory-mapped record of a store, re-ranked once per pair.
    /// The memory must stay valid and unchanged while the features are used.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public static FineFeatures Wrap(ReadOnlyMemory<float> values, int regions, int dims)
    {
        int frames = VectorMath.Rows(values.Length, checked(regions * dims), nameof(values), $"T×{regions}×{dims}");
        return new FineFeatures(frames, regions, dims, values, null);
    }

    /// <summary>Wraps T×R packed codes of <paramref name="bits"/> bits without copying (see <see cref="Wrap(ReadOnlyMemory{float}, int, int)"/>).</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of frames.</exception>
    public static FineFeatures Wrap(ReadOnlyMemory<ulong> codes, int regions, int bits)
    {
        int frameWords = checked(regions * HammingKernel.WordsPerCode(bits));
        if (codes.Length % frameWords != 0)
            throw new ArgumentException($"codes has {codes.Length} words, not a whole number of T×{regions}×{HammingKernel.WordsPerCode(bits)}-word frames", nameof(codes));
        return new FineFeatures(codes.Length / frameWords, regions, bits, null, codes);
    }

    internal static FineFeatures Own(float[] values, int frames, int regions, int dims) => new(frames, regions, dims, values, null);

    internal static FineFeatures Own(ulong[] codes, int frames, int regions, int bits) => new(frames, regions, bits, null, codes);
}
