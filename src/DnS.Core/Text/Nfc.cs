using System.Text;

namespace DnS.Core.Text;

/// <summary>
/// Canonical composition (the composing half of NFC) from Python's Unicode 14 tables, including Hangul syllables:
/// a decomposed accent such as <c>e</c> + U+0301 becomes <c>é</c>. Input that is already composed is unchanged;
/// precomposed characters are not first decomposed and re-ordered, which only matters for stacked marks in an
/// unusual order (documented in docs/text-search.md).
/// </summary>
internal static class Nfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;

    /// <summary>The composed form of <paramref name="text"/>.</summary>
    public static string Compose(string text)
    {
        if (IsAllAscii(text))
            return text;
        var runes = new List<int>(text.Length);
        foreach (Rune rune in text.EnumerateRunes())
            runes.Add(rune.Value);

        int starter = -1, lastClass = 0;
        for (int i = 0; i < runes.Count; i++)
        {
            int c = runes[i], cls = UnicodeTables.CombiningClass(c);
            // A mark composes with the last starter unless a mark of the same or a higher class lies between them.
            bool blocked = starter < 0 || (i > starter + 1 && (lastClass == 0 || lastClass >= cls));
            if (!blocked && TryCompose(runes[starter], c, out int composite))
            {
                runes[starter] = composite;
                runes.RemoveAt(i--);
                continue;
            }

            if (cls == 0)
                starter = i;
            lastClass = cls;
        }

        var output = new StringBuilder(text.Length);
        foreach (int c in runes)
            output.Append(char.ConvertFromUtf32(c));
        return output.ToString();
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + (second - VBase)) * TCount;
            return true;
        }

        if (first is >= SBase and < SBase + LCount * VCount * TCount && (first - SBase) % TCount == 0
            && second is > TBase and < TBase + TCount)
        {
            composite = first + second - TBase;
            return true;
        }

        return UnicodeTables.TryCompose(first, second, out composite);
    }

    private static bool IsAllAscii(string text) => System.Text.Ascii.IsValid(text);
}
