using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DnS.Core.Kernels;

/// <summary><see cref="IPopCountLanes{TVector}"/> over <see cref="Vector512{T}"/> with Avx512BW, or AVX-512 VBMI's
/// 64-byte permute when present (measured faster: no nibble masks, see docs/kernels.md).</summary>
internal readonly struct PopCount512 : IPopCountLanes<Vector512<ulong>>
{
    public static int Count => Vector512<ulong>.Count;

    public static bool IsSupported => Avx512BW.IsSupported;

    public static Vector512<ulong> NibbleTable => Vector512.Create(Vector256.Create(Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4).AsUInt64()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Load(ref ulong source) => Vector512.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<ulong> value, ref ulong destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Broadcast(ulong value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Xor(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> HalfAddXor(Vector512<ulong> a, Vector512<ulong> x, Vector512<ulong> q, out Vector512<ulong> carry)
    {
        // Truth tables over (a, x, q) = (0xF0, 0xCC, 0xAA): 0x60 is a ∧ (x ⊕ q), 0x96 the three-way xor.
        carry = Avx512F.TernaryLogic(a, x, q, 0x60);
        return Avx512F.TernaryLogic(a, x, q, 0x96);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> CarrySave(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> c, out Vector512<ulong> carry)
    {
        // One vpternlogq each: 0xE8 is the majority truth table, 0x96 the three-way xor.
        carry = Avx512F.TernaryLogic(a, b, c, 0xE8);
        return Avx512F.TernaryLogic(a, b, c, 0x96);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> ByteCounts(Vector512<ulong> value, Vector512<ulong> table)
    {
        if (Avx512Vbmi.IsSupported)
        {
            // vpermb reads 6 index bits and the table ignores bits 4–5, so neither nibble needs masking: a 64-bit
            // shift brings each byte's high nibble down (the neighbor byte's bits land in the ignored bits).
            Vector512<ulong> y = value;
            return (Avx512Vbmi.PermuteVar64x8(table.AsByte(), y.AsByte())
                + Avx512Vbmi.PermuteVar64x8(table.AsByte(), Vector512.ShiftRightLogical(y, 4).AsByte())).AsUInt64();
        }

        Vector512<byte> x = value.AsByte();
        Vector512<byte> nibble = Vector512.Create((byte)0x0F);
        Vector512<byte> low = x & nibble;
        Vector512<byte> high = Vector512.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & nibble;
        return (Avx512BW.Shuffle(table.AsByte(), low) + Avx512BW.Shuffle(table.AsByte(), high)).AsUInt64();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> AddBytes(Vector512<ulong> a, Vector512<ulong> b) => (a.AsByte() + b.AsByte()).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> SumBytes(Vector512<ulong> bytes) => Avx512BW.SumAbsoluteDifferences(bytes.AsByte(), Vector512<byte>.Zero).AsUInt64();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Add(Vector512<ulong> a, Vector512<ulong> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Min(Vector512<ulong> a, Vector512<ulong> b) => Vector512.Min(a, b);
}
