namespace DnS.Core.Kernels;

/// <summary>The vector-typed half of <see cref="ISimdLanes"/>: arithmetic on <typeparamref name="TVector"/>.</summary>
/// <typeparam name="TVector">Vector128/256/512 of float.</typeparam>
internal interface ISimdLanes<TVector> : ISimdLanes
    where TVector : struct
{
    static abstract TVector Zero { get; }

    static abstract TVector NegativeInfinity { get; }

    static abstract TVector Load(ref float source);

    static abstract void Store(TVector value, ref float destination);

    static abstract TVector Broadcast(float value);

    /// <summary>a·b + c, fused where the hardware has FMA.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Subtract(TVector a, TVector b);

    /// <summary>Lane-wise max that returns NaN if either lane is NaN, matching <see cref="MathF.Max(float, float)"/>.</summary>
    static abstract TVector Max(TVector a, TVector b);

    static abstract float Sum(TVector value);
}
