namespace DnS.Core.Kernels;

/// <summary>Width-independent operations on float lanes, implemented once per vector width so each kernel is written
/// once as a generic method and specialized by the JIT (struct type arguments inline completely).</summary>
internal interface ISimdLanes
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether any of the first <see cref="Count"/> floats is greater than <paramref name="threshold"/> (NaN never is).</summary>
    static abstract bool AnyGreaterThan(ReadOnlySpan<float> values, float threshold);

    /// <summary>Bit l set ⇔ float l of the first <see cref="Count"/> is &gt; 0.</summary>
    static abstract ulong PositiveBits(ref float values);
}
