using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DnS.Core.Kernels;

/// <summary><see cref="IInt8Lanes{TInts}"/> over <see cref="Vector256{T}"/>: AVX2 <c>vpmovsxbw</c> and <c>vpmaddwd</c>.
/// Vector256 is only accelerated on x86 with AVX2, so no portable branch is needed.</summary>
internal readonly struct Int8Lanes256 : IInt8Lanes<Vector256<int>>
{
    public static int Count => Vector256<short>.Count;

    public static Vector256<int> Zero => Vector256<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MultiplyAdd(ref sbyte row, ref short query, Vector256<int> sum) =>
        sum + Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref row)), Vector256.LoadUnsafe(ref query));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector256<int> value) => Vector256.Sum(value);
}
