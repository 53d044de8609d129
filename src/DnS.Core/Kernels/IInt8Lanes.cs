namespace DnS.Core.Kernels;

/// <summary>Width-independent int8 dot-product steps, one implementation per vector width, so the quantized scan is
/// written once as a generic method and specialized by the JIT (like <see cref="ISimdLanes{TVector}"/>).</summary>
/// <typeparam name="TInts">Vector128/256/512 of int: the exact int32 accumulator.</typeparam>
internal interface IInt8Lanes<TInts>
    where TInts : struct
{
    /// <summary>Int8 elements consumed per <see cref="MultiplyAdd"/> (= int16 lanes per vector).</summary>
    static abstract int Count { get; }

    static abstract TInts Zero { get; }

    /// <summary>Sign-extends <see cref="Count"/> int8 row elements to int16, multiplies them with as many int16 query
    /// elements and adds adjacent int32 products into <paramref name="sum"/> (<c>vpmovsxbw</c> + <c>vpmaddwd</c>):
    /// exact, since |product| ≤ 2¹⁴.</summary>
    static abstract TInts MultiplyAdd(ref sbyte row, ref short query, TInts sum);

    /// <summary>The exact sum of the int32 lanes (wrapping, like every integer path).</summary>
    static abstract int Sum(TInts value);
}
