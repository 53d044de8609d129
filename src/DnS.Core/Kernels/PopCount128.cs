using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DnS.Core.Kernels;

/// <summary><see cref="IPopCountLanes{TVector}"/> over <see cref="Vector128{T}"/> with Ssse3.</summary>
internal readonly struct PopCount128 : IPopCountLanes<Vector128<ulong>>
{
    public static int Count => Vector128<ulong>.Count;

    public static bool IsSupported => Ssse3.IsSupported;

    public static Vector128<ulong> NibbleTable => Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Load(ref ulong source) => Vector128.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<ulong> value, ref ulong destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Broadcast(ulong value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Xor(Vector128<ulong> a, Vector128<ulong> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> HalfAddXor(Vector128<ulong> a, Vector128<ulong> x, Vector128<ulong> q, out Vector128<ulong> carry)
    {
        Vector128<ulong> y = x ^ q;
        carry = a & y;
        return a ^ y;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> CarrySave(Vector128<ulong> a, Vector128<ulong> b, Vector128<ulong> c, out Vector128<ulong> carry)
    {
        Vector128<ulong> ab = a ^ b;
        carry = (a & b) | (c & ab);
        return ab ^ c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> ByteCounts(Vector128<ulong> value, Vector128<ulong> table)
    {
        Vector128<byte> x = value.AsByte();
        Vector128<byte> nibble = Vector128.Create((byte)0x0F);
        Vector128<byte> low = x & nibble;
        Vector128<byte> high = Vector128.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & nibble;
        return (Ssse3.Shuffle(table.AsByte(), low) + Ssse3.Shuffle(table.AsByte(), high)).AsUInt64();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> AddBytes(Vector128<ulong> a, Vector128<ulong> b) => (a.AsByte() + b.AsByte()).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> SumBytes(Vector128<ulong> bytes) => Sse2.SumAbsoluteDifferences(bytes.AsByte(), Vector128<byte>.Zero).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Add(Vector128<ulong> a, Vector128<ulong> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Min(Vector128<ulong> a, Vector128<ulong> b) => Vector128.Min(a, b);
}
