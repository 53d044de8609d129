using System.Globalization;
using System.Text;

namespace DnS.Core.Text;

/// <summary>
/// Python's <c>html.unescape</c>, which CLIP applies twice: the WHATWG named references (with Python's table), legacy
/// names without a semicolon (<c>&amp;copy=2</c> → <c>©=2</c>, longest prefix first), and numeric references with the
/// HTML5 replacements for invalid code points. <see cref="System.Net.WebUtility.HtmlDecode(string)"/> knows only
/// the HTML 4 names and requires the semicolon, so it differs.
/// </summary>
internal static class PythonHtml
{
    private static readonly Lazy<Dictionary<string, string>> Entities = new(LoadEntities);

    // html._invalid_charrefs: Windows-1252 for the C1 range, and a few single replacements.
    private static readonly Dictionary<int, string> InvalidCharRefs = new()
    {
        [0x00] = "\uFFFD", [0x0D] = "\r", [0x80] = "\u20AC", [0x81] = "\u0081", [0x82] = "\u201A", [0x83] = "\u0192",
        [0x84] = "\u201E", [0x85] = "\u2026", [0x86] = "\u2020", [0x87] = "\u2021", [0x88] = "\u02C6", [0x89] = "\u2030",
        [0x8A] = "\u0160", [0x8B] = "\u2039", [0x8C] = "\u0152", [0x8D] = "\u008D", [0x8E] = "\u017D", [0x8F] = "\u008F",
        [0x90] = "\u0090", [0x91] = "\u2018", [0x92] = "\u2019", [0x93] = "\u201C", [0x94] = "\u201D", [0x95] = "\u2022",
        [0x96] = "\u2013", [0x97] = "\u2014", [0x98] = "\u02DC", [0x99] = "\u2122", [0x9A] = "\u0161", [0x9B] = "\u203A",
        [0x9C] = "\u0153", [0x9D] = "\u009D", [0x9E] = "\u017E", [0x9F] = "\u0178",
    };

    /// <summary>Named references, keys without the ampersand (<c>amp;</c>, and <c>amp</c> for the legacy forms).</summary>
    public static IReadOnlyDictionary<string, string> Named => Entities.Value;

    /// <summary>Python's <c>html.unescape(text)</c>.</summary>
    public static string Unescape(string text)
    {
        if (!text.Contains('&'))
            return text;
        var output = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            int amp = text.IndexOf('&', i);
            if (amp < 0)
            {
                output.Append(text, i, text.Length - i);
                break;
            }

            output.Append(text, i, amp - i);
            i = amp + 1 + ReplaceReference(text, amp + 1, output);
        }

        return output.ToString();
    }

    // Matches Python's _charref pattern at `start` (just after '&'), appends the replacement and returns the
    // characters consumed after the '&'; 0 when nothing matches (the '&' is kept).
    private static int ReplaceReference(string text, int start, StringBuilder output)
    {
        if (start < text.Length && text[start] == '#')
            return ReplaceNumeric(text, start, output);

        int end = start;
        while (end < text.Length && end - start < 32 && !IsNameStop(text[end]))
            end++;
        if (end == start)
        {
            output.Append('&');
            return 0;
        }

        if (end < text.Length && text[end] == ';')
            end++;
        string name = text[start..end];
        if (Named.TryGetValue(name, out string? value))
        {
            output.Append(value);
            return end - start;
        }

        for (int x = name.Length - 1; x > 1; x--)
        {
            if (Named.TryGetValue(name[..x], out value))
            {
                output.Append(value).Append(name, x, name.Length - x);
                return end - start;
            }
        }

        output.Append('&').Append(name);
        return end - start;
    }

    private static int ReplaceNumeric(string text, int start, StringBuilder output)
    {
        int p = start + 1;
        bool hex = p < text.Length && (text[p] == 'x' || text[p] == 'X');
        if (hex)
            p++;
        int digits = p;
        while (p < text.Length && (hex ? char.IsAsciiHexDigit(text[p]) : char.IsAsciiDigit(text[p])))
            p++;
        if (p == digits)
        {
            output.Append('&');
            return 0;
        }

        // Python parses arbitrarily long numbers; anything above U+10FFFF becomes U+FFFD either way.
        var number = System.Numerics.BigInteger.Parse((hex ? "0" : "") + text[digits..p],
            hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture);
        if (p < text.Length && text[p] == ';')
            p++;
        int code = number > 0x10FFFF ? -1 : (int)number;
        if (code >= 0 && InvalidCharRefs.TryGetValue(code, out string? replacement))
            output.Append(replacement);
        else if (code < 0 || code is >= 0xD800 and <= 0xDFFF)
            output.Append('\uFFFD');
        else if (!IsInvalidCodePoint(code))
            output.Append(char.ConvertFromUtf32(code));
        return p - start;
    }

    // html._invalid_codepoints: C0/C1 controls (except whitespace), U+FDD0..U+FDEF and the non-characters U+xFFFE/U+xFFFF.
    private static bool IsInvalidCodePoint(int code) =>
        code is (>= 0x1 and <= 0x8) or 0xB or (>= 0xE and <= 0x1F) or (>= 0x7F and <= 0x9F) or (>= 0xFDD0 and <= 0xFDEF)
        || (code & 0xFFFE) == 0xFFFE;

    private static bool IsNameStop(char c) => c is '\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';';

    private static Dictionary<string, string> LoadEntities()
    {
        var entities = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in UnicodeTables.ResourceLines("html5-entities.txt"))
        {
            int tab = line.IndexOf('\t');
            entities[line[..tab]] = UnicodeTables.FromHex(line[(tab + 1)..].Split(' '));
        }

        return entities;
    }
}
