using System.Globalization;
using System.Text;

namespace DnS.Core.Text;

/// <summary>
/// CLIP's <c>basic_clean</c>, <c>whitespace_clean</c> and <c>lower()</c>: ftfy's fixes, <c>html.unescape</c> twice,
/// whitespace runs collapsed to one space and trimmed, then Python's full lower-case mapping (İ → i + U+0307, Σ →
/// final ς at the end of a word).
/// </summary>
internal static class ClipTextCleaner
{
    /// <summary>The text the pre-tokenizer sees for <paramref name="text"/>.</summary>
    public static string Clean(string text)
    {
        string fixedText = PythonHtml.Unescape(PythonHtml.Unescape(FtfyFixes.Fix(text)));
        return PythonLower(CollapseWhitespace(fixedText));
    }

    /// <summary>Python's <c>str.isspace</c> / the <c>regex</c> module's <c>\s</c> on one code point.</summary>
    public static bool IsSpace(Rune rune) => Rune.IsWhiteSpace(rune) || rune.Value is >= 0x1C and <= 0x1F;

    private static string CollapseWhitespace(string text)
    {
        var output = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (Rune rune in text.EnumerateRunes())
        {
            if (IsSpace(rune))
            {
                pendingSpace = output.Length > 0;
                continue;
            }

            if (pendingSpace)
                output.Append(' ');
            pendingSpace = false;
            output.Append(rune.ToString());
        }

        return output.ToString();
    }

    private static string PythonLower(string text)
    {
        var output = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length;)
        {
            Rune rune = Rune.GetRuneAt(text, i);
            if (rune.Value == 0x130)
                output.Append("i\u0307");
            else if (rune.Value == 0x3A3)
                output.Append(IsFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            else
                output.Append(Rune.ToLowerInvariant(rune).ToString());
            i += rune.Utf16SequenceLength;
        }

        return output.ToString();
    }

    // Unicode's Final_Sigma condition as Python applies it: a cased letter before (skipping case-ignorable
    // characters) and none after.
    private static bool IsFinalSigma(string text, int index)
    {
        int j = index;
        bool casedBefore = false;
        while (j > 0)
        {
            j -= char.IsLowSurrogate(text[j - 1]) && j >= 2 ? 2 : 1;
            Rune r = Rune.GetRuneAt(text, j);
            if (IsCaseIgnorable(r))
                continue;
            casedBefore = IsCased(r);
            break;
        }

        if (!casedBefore)
            return false;
        for (j = index + 1; j < text.Length;)
        {
            Rune r = Rune.GetRuneAt(text, j);
            if (!IsCaseIgnorable(r))
                return !IsCased(r);
            j += r.Utf16SequenceLength;
        }

        return true;
    }

    private static bool IsCased(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune r) =>
        r.Value is '\'' or '.' or ':' or '^' or '`' or 0xB7 or 0x2018 or 0x2019 or 0x2024 or 0x2027
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
