using System.Runtime.CompilerServices;

namespace DnS.Core;

/// <summary>
/// The range checks behind every options record's <c>Validate()</c>, so a bad option fails the same way everywhere:
/// an <see cref="ArgumentOutOfRangeException"/> whose parameter name is the option's name, whose actual value is the
/// value given, and whose message says the allowed range. NaN and infinities never pass a range check.
/// </summary>
internal static class OptionChecks
{
    /// <summary>A probability: in [0, 1].</summary>
    public static void Probability(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(value >= 0 && value <= 1, value, name, "must be in [0, 1]");

    /// <summary>A share of a whole that cannot be empty: in (0, 1].</summary>
    public static void Fraction(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(value > 0 && value <= 1, value, name, "must be in (0, 1]");

    /// <summary>A finite value above zero.</summary>
    public static void Positive(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(value > 0 && double.IsFinite(value), value, name, "must be positive and finite");

    /// <summary>A finite value of at least <paramref name="minimum"/>.</summary>
    public static void AtLeast(double value, double minimum, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(value >= minimum && double.IsFinite(value), value, name, $"must be finite and ≥ {minimum}");

    /// <summary>A value in [<paramref name="minimum"/>, <paramref name="maximum"/>).</summary>
    public static void Below(double value, double minimum, double maximum, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(value >= minimum && value < maximum, value, name, $"must be in [{minimum}, {maximum})");

    /// <summary>A finite value.</summary>
    public static void Finite(double value, [CallerArgumentExpression(nameof(value))] string? name = null) =>
        Check(double.IsFinite(value), value, name, "must be finite");

    /// <summary>A named member of <typeparamref name="TEnum"/>.</summary>
    public static void Defined<TEnum>(TEnum value, [CallerArgumentExpression(nameof(value))] string? name = null) where TEnum : struct, Enum =>
        Check(Enum.IsDefined(value), value, name, $"must be one of {string.Join(", ", Enum.GetNames<TEnum>())}");

    private static void Check(bool valid, object value, string? name, string rule)
    {
        if (!valid) throw new ArgumentOutOfRangeException(name, value, $"{name} {rule}, got {value}.");
    }
}
