using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DnS.Core.Kernels;

/// <summary><see cref="IInt8Lanes{TInts}"/> over <see cref="Vector128{T}"/>: SSE4.1 <c>pmovsxbw</c> and SSE2
/// <c>pmaddwd</c> on x86, portable widening multiplies elsewhere (AdvSimd).</summary>
internal readonly struct Int8Lanes128 : IInt8Lanes<Vector128<int>>
{
    public static int Count => Vector128<short>.Count;

    public static Vector128<int> Zero => Vector128<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MultiplyAdd(ref sbyte row, ref short query, Vector128<int> sum)
    {
        // Eight int8 values: one 64-bit load, widened to eight int16 lanes.
        var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.As<sbyte, byte>(ref row))).AsSByte();
        Vector128<short> q = Vector128.LoadUnsafe(ref query);
        if (Sse41.IsSupported)
        {
            return sum + Sse2.MultiplyAddAdjacent(Sse41.ConvertToVector128Int16(bytes), q);
        }

        Vector128<short> x = Vector128.WidenLower(bytes);
        return sum + (Vector128.WidenLower(x) * Vector128.WidenLower(q)) + (Vector128.WidenUpper(x) * Vector128.WidenUpper(q));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector128<int> value) => Vector128.Sum(value);
}
