using System.Text;
using Microsoft.ML.Tokenizers;

namespace DnS.Core.Text;

/// <summary>
/// CLIP's pre-tokenizer regex, <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>,
/// as a scanner over code points: .NET's <see cref="System.Text.RegularExpressions.Regex"/> matches UTF-16 units, so a
/// letter above U+FFFF would not be <c>\p{L}</c> there. Alternatives are tried in the regex's order at each position.
/// </summary>
internal sealed class ClipPreTokenizer : PreTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    private static readonly string[] Literals = [StartOfText, EndOfText, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    /// <inheritdoc />
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text ?? "");

    /// <inheritdoc />
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    private static List<(int Offset, int Length)> Split(string text)
    {
        var tokens = new List<(int, int)>();
        int i = 0;
        while (i < text.Length)
        {
            Rune rune = Rune.GetRuneAt(text, i);
            int start = i;
            string? literal = Array.Find(Literals, l => string.CompareOrdinal(text, i, l, 0, l.Length) == 0);
            if (literal is not null)
                i += literal.Length;
            else if (Rune.IsLetter(rune))
                i = SkipWhile(text, i, Rune.IsLetter);
            else if (Rune.IsNumber(rune))
                i += rune.Utf16SequenceLength;
            else if (!ClipTextCleaner.IsSpace(rune))
                i = SkipWhile(text, i, r => !Rune.IsLetter(r) && !Rune.IsNumber(r) && !ClipTextCleaner.IsSpace(r));
            else
            {
                i += rune.Utf16SequenceLength;
                continue;
            }

            tokens.Add((start, i - start));
        }

        return tokens;
    }

    private static int SkipWhile(string text, int i, Func<Rune, bool> predicate)
    {
        while (i < text.Length)
        {
            Rune rune = Rune.GetRuneAt(text, i);
            if (!predicate(rune))
                break;
            i += rune.Utf16SequenceLength;
        }

        return i;
    }
}
