using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DnS.Core.Kernels;

/// <summary><see cref="IPopCountLanes{TVector}"/> over <see cref="Vector256{T}"/> with Avx2.</summary>
internal readonly struct PopCount256 : IPopCountLanes<Vector256<ulong>>
{
    public static int Count => Vector256<ulong>.Count;

    public static bool IsSupported => Avx2.IsSupported;

    public static Vector256<ulong> NibbleTable => Vector256.Create(Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4).AsUInt64());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Load(ref ulong source) => Vector256.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<ulong> value, ref ulong destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Broadcast(ulong value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Xor(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> HalfAddXor(Vector256<ulong> a, Vector256<ulong> x, Vector256<ulong> q, out Vector256<ulong> carry)
    {
        Vector256<ulong> y = x ^ q;
        carry = a & y;
        return a ^ y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> CarrySave(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c, out Vector256<ulong> carry)
    {
        Vector256<ulong> ab = a ^ b;
        carry = (a & b) | (c & ab);
        return ab ^ c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> ByteCounts(Vector256<ulong> value, Vector256<ulong> table)
    {
        Vector256<byte> x = value.AsByte();
        Vector256<byte> nibble = Vector256.Create((byte)0x0F);
        Vector256<byte> low = x & nibble;
        Vector256<byte> high = Vector256.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & nibble;
        return (Avx2.Shuffle(table.AsByte(), low) + Avx2.Shuffle(table.AsByte(), high)).AsUInt64();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> AddBytes(Vector256<ulong> a, Vector256<ulong> b) => (a.AsByte() + b.AsByte()).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> SumBytes(Vector256<ulong> bytes) => Avx2.SumAbsoluteDifferences(bytes.AsByte(), Vector256<byte>.Zero).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Add(Vector256<ulong> a, Vector256<ulong> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Min(Vector256<ulong> a, Vector256<ulong> b) => Vector256.Min(a, b);
}
