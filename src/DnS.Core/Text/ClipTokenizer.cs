using System.IO.Compression;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace DnS.Core.Text;

/// <summary>
/// CLIP's byte-level BPE tokenizer (openai/CLIP <c>simple_tokenizer.py</c> and <c>clip.tokenize</c>): text clean-up
/// (ftfy's deterministic fixes, HTML unescaping, whitespace, Python's lower-casing), CLIP's pre-tokenizer, byte-level
/// BPE with <c>&lt;/w&gt;</c> word ends (Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>), start and end tokens,
/// truncation that keeps the end token, zero padding.
/// </summary>
public sealed class ClipTokenizer
{
    /// <summary>The context length of every released CLIP text tower.</summary>
    public const int DefaultContextLength = 77;

    /// <summary>Merges CLIP uses from the vocabulary file (lines 2..48895); later lines are ignored, as CLIP does.</summary>
    internal const int MergeCount = 49152 - 256 - 2;

    private readonly BpeTokenizer _bpe;

    private ClipTokenizer(BpeTokenizer bpe, int contextLength)
    {
        _bpe = bpe;
        ContextLength = contextLength;
    }

    /// <summary>Ids per tokenized row (77 for CLIP).</summary>
    public int ContextLength { get; }

    /// <summary>Id of <c>&lt;|startoftext|&gt;</c> (49406).</summary>
    public int StartOfTextId { get; } = 2 * 256 + MergeCount;

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c> (49407), the largest id: the text tower pools at its first position.</summary>
    public int EndOfTextId { get; } = 2 * 256 + MergeCount + 1;

    /// <summary>
    /// Reads CLIP's merges file (<c>bpe_simple_vocab_16e6.txt.gz</c>, gzip or plain text) and builds the 49408-id
    /// vocabulary: the 256 byte symbols, the same with <c>&lt;/w&gt;</c>, the merges in file order, then the two special tokens.
    /// </summary>
    /// <param name="vocabularyPath">The merges file.</param>
    /// <param name="contextLength">Ids per row (default 77).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ClipModelException">The file is not a CLIP merges file.</exception>
    public static ClipTokenizer Load(string vocabularyPath, int contextLength = DefaultContextLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabularyPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        if (!File.Exists(vocabularyPath))
            throw new FileNotFoundException($"CLIP vocabulary '{vocabularyPath}' does not exist.", vocabularyPath);
        List<string> merges = ReadMerges(vocabularyPath);

        var vocabulary = new Dictionary<string, int>(2 * 256 + MergeCount + 2, StringComparer.Ordinal);
        string[] byteSymbols = ByteSymbols();
        foreach (string symbol in byteSymbols)
            vocabulary.Add(symbol, vocabulary.Count);
        foreach (string symbol in byteSymbols)
            vocabulary.Add(symbol + "</w>", vocabulary.Count);
        foreach (string merge in merges)
        {
            int space = merge.IndexOf(' ');
            if (!vocabulary.TryAdd(string.Concat(merge.AsSpan(0, space), merge.AsSpan(space + 1)), vocabulary.Count))
                throw new ClipModelException(vocabularyPath, $"merge '{merge}' produces a symbol that is already in the vocabulary.");
        }

        var special = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            [ClipPreTokenizer.StartOfText] = vocabulary.Count,
            [ClipPreTokenizer.EndOfText] = vocabulary.Count + 1,
        };
        foreach (var (token, id) in special)
            vocabulary.Add(token, id);

        var bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            SpecialTokens = special,
            PreTokenizer = new ClipPreTokenizer(),
            EndOfWordSuffix = "</w>",
            ByteLevel = true,
        });
        return new ClipTokenizer(bpe, contextLength);
    }

    /// <summary><c>SimpleTokenizer.encode</c>: the BPE ids of <paramref name="text"/>, without start or end token, not truncated.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _bpe.EncodeToIds(ClipTextCleaner.Clean(text));
    }

    /// <summary>
    /// <c>clip.tokenize(text, truncate=True)</c> into one row of <see cref="ContextLength"/> ids: start token, BPE ids,
    /// end token; a row too long keeps its first ids and ends with the end token; the rest is zero.
    /// </summary>
    /// <returns>Ids written before the padding (at most <see cref="ContextLength"/>).</returns>
    /// <exception cref="ArgumentException"><paramref name="ids"/> is not <see cref="ContextLength"/> long.</exception>
    public int Tokenize(string text, Span<long> ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (ids.Length != ContextLength)
            throw new ArgumentException($"a token row holds {ContextLength} ids; the destination holds {ids.Length}.", nameof(ids));
        IReadOnlyList<int> bpe = Encode(text);
        int count = Math.Min(bpe.Count + 2, ContextLength);
        ids.Clear();
        ids[0] = StartOfTextId;
        for (int i = 1; i < count - 1; i++)
            ids[i] = bpe[i - 1];
        ids[count - 1] = EndOfTextId;
        return count;
    }

    /// <summary>Tokenizes each text into a row of a row-major [texts, <see cref="ContextLength"/>] matrix.</summary>
    public long[] Tokenize(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new long[texts.Count * ContextLength];
        for (int t = 0; t < texts.Count; t++)
            Tokenize(texts[t], ids.AsSpan(t * ContextLength, ContextLength));
        return ids;
    }

    // GPT-2's bytes_to_unicode(), in its dictionary order: the 188 printable bytes map to themselves, the other 68
    // (controls, space, a few Latin-1 ones) to U+0100 upwards in byte order.
    internal static string[] ByteSymbols()
    {
        var symbols = new List<string>(256);
        var remapped = new List<string>(68);
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is (>= '!' and <= '~') or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            if (printable)
                symbols.Add(((char)b).ToString());
            else
                remapped.Add(((char)next++).ToString());
        }

        symbols.AddRange(remapped);
        return [.. symbols];
    }

    private static List<string> ReadMerges(string path)
    {
        var merges = new List<string>(MergeCount);
        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true));
            if (reader.ReadLine() is null)
                throw new ClipModelException(path, "is empty.");
            while (merges.Count < MergeCount && reader.ReadLine() is { } line)
            {
                int space = line.IndexOf(' ');
                if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                    throw new ClipModelException(path, $"line {merges.Count + 2} is '{line}', not a merge of two symbols 'a b'.");
                merges.Add(line);
            }
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException)
        {
            throw new ClipModelException(path, $"is not a UTF-8 merges file or a gzip of one: {e.Message}", e);
        }

        if (merges.Count < MergeCount)
            throw new ClipModelException(path, $"holds {merges.Count} merges after its header; CLIP's vocabulary needs {MergeCount}.");
        return merges;
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }
}
