namespace DnS.Core.Kernels;

/// <summary>Per-width operations for the vectorized popcount of <see cref="HammingKernel"/>: ulong lanes, with byte-wise
/// nibble-lookup popcounts (byte shuffle) summed to 64-bit lanes by a sum of absolute differences.</summary>
/// <typeparam name="TVector">Vector128/256/512 of ulong.</typeparam>
internal interface IPopCountLanes<TVector>
    where TVector : unmanaged
{
    /// <summary>ulongs per vector (target frames per block).</summary>
    static abstract int Count { get; }

    /// <summary>Whether the byte shuffle and SAD instructions exist for this width.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Popcounts of the 16 nibble values, repeated in every 128-bit lane (the shuffle is in-lane).</summary>
    static abstract TVector NibbleTable { get; }

    static abstract TVector Load(ref ulong source);

    static abstract void Store(TVector value, ref ulong destination);

    static abstract TVector Broadcast(ulong value);

    static abstract TVector Xor(TVector a, TVector b);

    /// <summary>Popcount of each byte (0..8 per byte).</summary>
    static abstract TVector ByteCounts(TVector value, TVector table);

    /// <summary>Half adder of <paramref name="a"/> and <c>x ⊕ q</c>: returns <c>a ⊕ x ⊕ q</c>, carry <c>a ∧ (x ⊕ q)</c>
    /// (two ternary-logic instructions on AVX-512 instead of three).</summary>
    static abstract TVector HalfAddXor(TVector a, TVector x, TVector q, out TVector carry);

    /// <summary>Carry-save adder: per bit, <c>sum = a ⊕ b ⊕ c</c> and <c>carry = majority(a, b, c)</c>.</summary>
    static abstract TVector CarrySave(TVector a, TVector b, TVector c, out TVector carry);

    static abstract TVector AddBytes(TVector a, TVector b);

    /// <summary>Sum of the eight bytes of each 64-bit lane, as a ulong lane.</summary>
    static abstract TVector SumBytes(TVector bytes);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Min(TVector a, TVector b);
}
