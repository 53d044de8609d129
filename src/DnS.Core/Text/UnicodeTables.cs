using System.Globalization;
using System.Reflection;
using System.Text;

namespace DnS.Core.Text;

/// <summary>
/// The Unicode data CLIP's text clean-up needs, from Python's <c>unicodedata</c> (Unicode 14, the version the
/// reference ran): canonical compositions and combining classes for NFC, and ftfy's width and ligature maps.
/// Embedded rather than taken from .NET because <c>string.Normalize</c> does nothing under invariant globalization.
/// </summary>
internal static class UnicodeTables
{
    private static readonly Lazy<Tables> Data = new(Load);

    /// <summary>The composite of (starter, mark), when NFC composes them.</summary>
    public static bool TryCompose(int first, int second, out int composite) => Data.Value.Compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);

    /// <summary>The canonical combining class (0 for starters).</summary>
    public static int CombiningClass(int codePoint) => Data.Value.Classes.TryGetValue(codePoint, out byte c) ? c : 0;

    /// <summary>ftfy's <c>fix_character_width</c> replacement of a full- or half-width character, or null.</summary>
    public static string? Width(int codePoint) => Data.Value.Width.GetValueOrDefault(codePoint);

    /// <summary>ftfy's <c>fix_latin_ligatures</c> replacement of a ligature, or null.</summary>
    public static string? Ligature(int codePoint) => Data.Value.Ligatures.GetValueOrDefault(codePoint);

    /// <summary>Lines of an embedded text resource under <c>Text/Data</c>, comments (#) skipped.</summary>
    internal static IEnumerable<string> ResourceLines(string name)
    {
        Assembly assembly = typeof(UnicodeTables).Assembly;
        using Stream stream = assembly.GetManifestResourceStream("DnS.Core.Text.Data." + name)
            ?? throw new InvalidOperationException($"embedded resource Text/Data/{name} is missing from {assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0 && line[0] != '#')
                yield return line;
    }

    internal static string FromHex(ReadOnlySpan<string> codePoints)
    {
        var text = new StringBuilder();
        foreach (string hex in codePoints)
            text.Append(char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        return text.ToString();
    }

    private static Tables Load()
    {
        var tables = new Tables();
        foreach (string line in ResourceLines("unicode-tables.txt"))
        {
            string[] f = line.Split(' ');
            int cp = int.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            switch (f[0])
            {
                case "P":
                    int second = int.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    tables.Compositions[((long)cp << 21) | (uint)second] = int.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    break;
                case "C":
                    tables.Classes[cp] = byte.Parse(f[2], CultureInfo.InvariantCulture);
                    break;
                case "W":
                    tables.Width[cp] = FromHex(f.AsSpan(2));
                    break;
                case "L":
                    tables.Ligatures[cp] = FromHex(f.AsSpan(2));
                    break;
            }
        }

        return tables;
    }

    private sealed class Tables
    {
        public Dictionary<long, int> Compositions { get; } = [];
        public Dictionary<int, byte> Classes { get; } = [];
        public Dictionary<int, string> Width { get; } = [];
        public Dictionary<int, string> Ligatures { get; } = [];
    }
}
