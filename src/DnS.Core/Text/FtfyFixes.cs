using System.Text;
using System.Text.RegularExpressions;

namespace DnS.Core.Text;

/// <summary>
/// The deterministic part of <c>ftfy.fix_text</c> (ftfy 6.3, default configuration) in its order: HTML entities
/// (also upper-cased ones such as <c>&amp;EACUTE;</c>, skipped from the first line containing '&lt;'), terminal
/// escapes, Latin ligatures, full-/half-width characters, curly quotes, control characters, NFC. The mojibake and
/// C1-control heuristics (<c>fix_encoding</c>) are not ported: docs/text-search.md lists what that changes.
/// </summary>
internal static partial class FtfyFixes
{
    private static readonly Lazy<Dictionary<string, string>> Entities = new(BuildEntities);

    /// <summary>ftfy's fixes on <paramref name="text"/>, line by line as ftfy does.</summary>
    public static string Fix(string text)
    {
        var output = new StringBuilder(text.Length);
        bool unescape = true;
        int position = 0;
        while (position < text.Length)
        {
            int lineEnd = text.IndexOf('\n', position);
            lineEnd = lineEnd < 0 ? text.Length : lineEnd + 1;
            string line = text[position..lineEnd];
            if (unescape && line.Contains('<'))
                unescape = false;
            output.Append(FixLine(line, unescape));
            position = lineEnd;
        }

        return output.ToString();
    }

    private static string FixLine(string line, bool unescape)
    {
        if (unescape)
            line = EntityPattern().Replace(line, m => UnescapeEntity(m.Value));
        line = AnsiEscapePattern().Replace(line, "");
        var output = new StringBuilder(line.Length);
        foreach (Rune rune in line.EnumerateRunes())
        {
            int c = rune.Value;
            if (UnicodeTables.Ligature(c) is { } ligature)
                output.Append(ligature);
            else if (UnicodeTables.Width(c) is { } narrow)
                output.Append(narrow);
            else if (c is 0x2BC or (>= 0x2018 and <= 0x201B))
                output.Append('\'');
            else if (c is >= 0x201C and <= 0x201F)
                output.Append('"');
            else if (!IsRemovedControl(c))
                output.Append(rune.ToString());
        }

        return Nfc.Compose(output.ToString());
    }

    // ftfy's _unescape_fixup: known names (HTML5, plus upper-cased lower-case names), numeric references via html.unescape.
    private static string UnescapeEntity(string entity)
    {
        if (Entities.Value.TryGetValue(entity, out string? value))
            return value;
        if (entity.StartsWith("&#", StringComparison.Ordinal))
        {
            string unescaped = PythonHtml.Unescape(entity);
            return unescaped.Contains(';') ? entity : unescaped;
        }

        return entity;
    }

    // ftfy's CONTROL_CHARS: C0 controls other than \t \n \f \r, DEL, deprecated format characters, BOM, interlinear annotation.
    private static bool IsRemovedControl(int c) =>
        c is (>= 0x00 and <= 0x08) or 0x0B or (>= 0x0E and <= 0x1F) or 0x7F or (>= 0x206A and <= 0x206F) or 0xFEFF
            or (>= 0xFFF9 and <= 0xFFFC);

    private static Dictionary<string, string> BuildEntities()
    {
        var entities = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in PythonHtml.Named)
        {
            if (!name.EndsWith(';'))
                continue;
            entities["&" + name] = value;
            // ftfy also decodes an upper-cased lower-case name when Python would leave it alone.
            if (name == name.ToLowerInvariant())
            {
                string upper = "&" + name.ToUpperInvariant();
                if (PythonHtml.Unescape(upper) == upper)
                    entities[upper] = value.ToUpperInvariant();
            }
        }

        return entities;
    }

    [GeneratedRegex("&#?[0-9A-Za-z]{1,24};", RegexOptions.CultureInvariant)]
    private static partial Regex EntityPattern();

    [GeneratedRegex("\u001b\\[((?:[0-9]|;)*)([a-zA-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex AnsiEscapePattern();
}
