using System.Runtime.CompilerServices;

namespace DnS.Core.Kernels;

/// <summary><see cref="ISimdLanes{TVector}"/> over one <see cref="float"/>: the scalar reference path of the generic
/// kernels, and their tail past the last whole vector.</summary>
internal readonly struct LanesScalar : ISimdLanes<float>
{
    public static int Count => 1;

    public static float Zero => 0f;

    public static float NegativeInfinity => float.NegativeInfinity;

    public static bool AnyGreaterThan(ReadOnlySpan<float> values, float threshold) => values[0] > threshold;

    public static ulong PositiveBits(ref float values) => values > 0f ? 1UL : 0UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float a, float b, float c) => (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float a, float b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float a, float b) => MathF.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float value) => value;
}
