using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DnS.Core.Kernels;

/// <summary><see cref="IInt8Lanes{TInts}"/> over <see cref="Vector512{T}"/>: AVX-512BW <c>vpmovsxbw</c> from memory and
/// <c>vpmaddwd</c>. Vector512 is only accelerated on x86 with AVX-512BW, so no portable branch is needed.</summary>
/// <remarks>.NET 10 exposes no 512-bit VNNI (<c>vpdpwssd</c>/<c>vpdpbusd</c> zmm): there is no Avx512Vnni class and
/// <see cref="AvxVnni"/> is the VEX 128/256-bit form. The scan is bound by reading the codes, not by these two uops.</remarks>
internal readonly struct Int8Lanes512 : IInt8Lanes<Vector512<int>>
{
    public static int Count => Vector512<short>.Count;

    public static Vector512<int> Zero => Vector512<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> MultiplyAdd(ref sbyte row, ref short query, Vector512<int> sum) =>
        sum + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.LoadUnsafe(ref row)), Vector512.LoadUnsafe(ref query));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector512<int> value) => Vector512.Sum(value);
}
