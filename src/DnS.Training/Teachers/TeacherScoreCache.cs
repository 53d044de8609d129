using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using DnS.Training.Data;

namespace DnS.Training.Teachers;

/// <summary>
/// Every sampled pair scored once per teacher, kept in a file so that training (and later runs with more teachers)
/// never re-scores: the feature set's ids, the pairs and one score column per teacher.
/// </summary>
/// <remarks>
/// <para>File format (little-endian), version 1: the 8 ASCII bytes <c>DNSPAIRS</c>; int32 version; int32 video count and
/// that many ids; int32 teacher count and that many names; int32 pair count and per pair int32 anchor, int32 other and
/// one byte <see cref="PairKind"/>; then per teacher pair-count float32 scores in pair order; last, the CRC-32 of every
/// byte before it. Strings are UTF-8 with a 7-bit-encoded length prefix (<see cref="BinaryWriter.Write(string)"/>).
/// Files are written to a temporary name and renamed, so a crash never leaves a half-written cache.</para>
/// <para>Scoring reads the features pair by pair from the <see cref="IRegionFeatureSource"/> (memory-mapped for a
/// store), so it never holds the corpus in RAM; pairs are scored grouped by anchor so a teacher's cache keeps the
/// anchor's indexed form hot.</para>
/// </remarks>
public sealed class TeacherScoreCache
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int CurrentVersion = 1;

    private static ReadOnlySpan<byte> Magic => "DNSPAIRS"u8;

    private readonly string[] _ids;
    private readonly SampledPair[] _pairs;
    private readonly string[] _teachers;
    private readonly float[][] _scores;

    private TeacherScoreCache(string[] ids, SampledPair[] pairs, string[] teachers, float[][] scores)
    {
        _ids = ids;
        _pairs = pairs;
        _teachers = teachers;
        _scores = scores;
    }

    /// <summary>The ids of the feature set the pairs index into, in index order.</summary>
    public IReadOnlyList<string> VideoIds => _ids;

    /// <summary>The scored pairs.</summary>
    public IReadOnlyList<SampledPair> Pairs => _pairs;

    /// <summary>The teachers' names, one per score column.</summary>
    public IReadOnlyList<string> TeacherNames => _teachers;

    /// <summary>The scores of teacher <paramref name="teacher"/> (column index), one per pair.</summary>
    public ReadOnlyMemory<float> GetScores(int teacher) => _scores[teacher];

    /// <summary>The scores of the teacher named <paramref name="teacher"/>, one per pair.</summary>
    /// <exception cref="KeyNotFoundException">No column has that name.</exception>
    public ReadOnlyMemory<float> GetScores(string teacher)
    {
        int column = Array.IndexOf(_teachers, teacher);
        if (column < 0) throw new KeyNotFoundException($"no scores of teacher '{teacher}' (the cache holds {string.Join(", ", _teachers)})");
        return _scores[column];
    }

    /// <summary>Scores every pair with every teacher, <paramref name="parallelism"/> anchors at a time.</summary>
    /// <param name="source">The corpus the pairs index into.</param>
    /// <param name="pairs">The pairs (e.g. from <see cref="PairSampler"/>).</param>
    /// <param name="teachers">The teachers (distinct names).</param>
    /// <param name="progress">Receives the pair scores computed so far (pairs × teachers).</param>
    /// <param name="parallelism">Anchor groups scored at once.</param>
    /// <param name="cancellationToken">Stops the scoring.</param>
    /// <exception cref="ArgumentException">Two teachers share a name, no teacher is given, or a pair indexes outside the corpus.</exception>
    public static async Task<TeacherScoreCache> ScoreAsync(IRegionFeatureSource source, IReadOnlyList<SampledPair> pairs, IReadOnlyList<IPairTeacher> teachers,
        IProgress<ScoringProgress>? progress = null, int parallelism = 2, CancellationToken cancellationToken = default)
    {
        if (teachers.Count == 0) throw new ArgumentException("at least one teacher is needed", nameof(teachers));
        var names = new string[teachers.Count];
        for (int t = 0; t < teachers.Count; t++)
        {
            names[t] = teachers[t].Name;
            if (Array.IndexOf(names, names[t], 0, t) >= 0) throw new ArgumentException($"two teachers are named '{names[t]}'", nameof(teachers));
        }
        var ids = new string[source.Count];
        for (int v = 0; v < ids.Length; v++) ids[v] = source.GetId(v);
        SampledPair[] pairArray = [.. pairs];
        Check(pairArray, ids.Length, nameof(pairs));
        var scores = await ScoreColumnsAsync(source, pairArray, teachers, progress, parallelism, cancellationToken).ConfigureAwait(false);
        return new TeacherScoreCache(ids, pairArray, names, scores);
    }

    /// <summary>
    /// Loads the cache at <paramref name="path"/> and scores only what it lacks: teachers without a column, or every
    /// teacher when the file holds other pairs (then it is replaced). Saves the result when anything was scored.
    /// </summary>
    /// <exception cref="InvalidDataException">The file exists but is damaged or belongs to another feature set.</exception>
    public static async Task<TeacherScoreCache> LoadOrScoreAsync(string path, IRegionFeatureSource source, IReadOnlyList<SampledPair> pairs,
        IReadOnlyList<IPairTeacher> teachers, IProgress<ScoringProgress>? progress = null, int parallelism = 2, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path) || await LoadAsync(path, source, cancellationToken).ConfigureAwait(false) is not { } cached || !cached._pairs.AsSpan().SequenceEqual(pairs is SampledPair[] a ? a : [.. pairs]))
        {
            var scored = await ScoreAsync(source, pairs, teachers, progress, parallelism, cancellationToken).ConfigureAwait(false);
            await scored.SaveAsync(path, cancellationToken).ConfigureAwait(false);
            return scored;
        }
        var missing = new List<IPairTeacher>();
        foreach (var teacher in teachers) if (Array.IndexOf(cached._teachers, teacher.Name) < 0) missing.Add(teacher);
        if (missing.Count == 0) return cached;
        var added = await ScoreAsync(source, pairs, missing, progress, parallelism, cancellationToken).ConfigureAwait(false);
        var merged = new TeacherScoreCache(cached._ids, cached._pairs, [.. cached._teachers, .. added._teachers], [.. cached._scores, .. added._scores]);
        await merged.SaveAsync(path, cancellationToken).ConfigureAwait(false);
        return merged;
    }

    /// <summary>Writes the cache to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(CurrentVersion);
            WriteStrings(writer, _ids);
            WriteStrings(writer, _teachers);
            writer.Write(_pairs.Length);
            foreach (var pair in _pairs)
            {
                writer.Write(pair.Anchor);
                writer.Write(pair.Other);
                writer.Write((byte)pair.Kind);
            }
            foreach (var column in _scores)
                foreach (float s in column) writer.Write(s);
            writer.Write(Crc32.HashToUInt32(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        }
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + ".tmp";
        var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>Reads a cache and checks it belongs to <paramref name="source"/> (same video count and ids, in order).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a score cache, is damaged, of another version, or scored another feature set; the message names the file.</exception>
    public static async Task<TeacherScoreCache> LoadAsync(string path, IRegionFeatureSource source, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            var cache = Parse(bytes, path);
            if (cache._ids.Length != source.Count)
                throw new InvalidDataException($"{path}: the scores are of a feature set of {cache._ids.Length} videos, this one has {source.Count}");
            for (int v = 0; v < cache._ids.Length; v++)
                if (!string.Equals(cache._ids[v], source.GetId(v), StringComparison.Ordinal))
                    throw new InvalidDataException($"{path}: video {v} is '{cache._ids[v]}' in the scores but '{source.GetId(v)}' in the feature set (scored on another feature set)");
            return cache;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path}: the file is truncated", e);
        }
    }

    private static TeacherScoreCache Parse(byte[] bytes, string path)
    {
        if (bytes.Length < Magic.Length + 8 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a teacher score cache (no {Encoding.ASCII.GetString(Magic)} header)");
        uint stored = BitConverter.ToUInt32(bytes, bytes.Length - 4);
        uint actual = Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4));
        using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 4), Encoding.UTF8);
        reader.ReadBytes(Magic.Length);
        int version = reader.ReadInt32();
        if (version != CurrentVersion) throw new InvalidDataException($"{path}: score cache version {version}, this library reads version {CurrentVersion}");
        if (stored != actual) throw new InvalidDataException($"{path}: checksum mismatch (stored {stored:x8}, computed {actual:x8}): the file is damaged");
        string[] ids = ReadStrings(reader, path, "videos");
        string[] teachers = ReadStrings(reader, path, "teachers");
        int count = ReadCount(reader, path, "pairs");
        var pairs = new SampledPair[count];
        for (int i = 0; i < count; i++)
        {
            int anchor = reader.ReadInt32(), other = reader.ReadInt32();
            byte kind = reader.ReadByte();
            if (!Enum.IsDefined((PairKind)kind)) throw new InvalidDataException($"{path}: pair {i} has unknown kind {kind}");
            pairs[i] = new SampledPair(anchor, other, (PairKind)kind);
        }
        try { Check(pairs, ids.Length, nameof(pairs)); }
        catch (ArgumentException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        var scores = new float[teachers.Length][];
        for (int t = 0; t < teachers.Length; t++)
        {
            scores[t] = new float[count];
            for (int i = 0; i < count; i++) scores[t][i] = reader.ReadSingle();
        }
        if (reader.BaseStream.Position != reader.BaseStream.Length)
            throw new InvalidDataException($"{path}: {reader.BaseStream.Length - reader.BaseStream.Position} unexpected bytes after the scores");
        return new TeacherScoreCache(ids, pairs, teachers, scores);
    }

    private static async Task<float[][]> ScoreColumnsAsync(IRegionFeatureSource source, SampledPair[] pairs, IReadOnlyList<IPairTeacher> teachers,
        IProgress<ScoringProgress>? progress, int parallelism, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var scores = new float[teachers.Count][];
        for (int t = 0; t < scores.Length; t++) scores[t] = new float[pairs.Length];

        // Groups of pair positions sharing an anchor, so each worker keeps one anchor's indexed form hot.
        var order = new int[pairs.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (x, y) => pairs[x].Anchor != pairs[y].Anchor ? pairs[x].Anchor.CompareTo(pairs[y].Anchor) : x.CompareTo(y));
        var groups = new List<(int Start, int Count)>();
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j < order.Length && pairs[order[j]].Anchor == pairs[order[i]].Anchor) j++;
            groups.Add((i, j - i));
            i = j;
        }

        long total = (long)pairs.Length * teachers.Count, done = 0;
        var clock = Stopwatch.StartNew();
        await Task.Run(() => Parallel.ForEach(groups, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, group =>
        {
            for (int t = 0; t < teachers.Count; t++)
                for (int k = group.Start; k < group.Start + group.Count; k++)
                {
                    var pair = pairs[order[k]];
                    scores[t][order[k]] = teachers[t].Score(source, pair.Anchor, pair.Other);
                }
            progress?.Report(new ScoringProgress(total, Interlocked.Add(ref done, (long)group.Count * teachers.Count), clock.Elapsed));
        }), cancellationToken).ConfigureAwait(false);
        return scores;
    }

    private static void Check(SampledPair[] pairs, int videos, string parameter)
    {
        for (int i = 0; i < pairs.Length; i++)
            if ((uint)pairs[i].Anchor >= (uint)videos || (uint)pairs[i].Other >= (uint)videos)
                throw new ArgumentException($"pair {i} ({pairs[i].Anchor}, {pairs[i].Other}) indexes outside the {videos} videos", parameter);
    }

    private static void WriteStrings(BinaryWriter writer, string[] values)
    {
        writer.Write(values.Length);
        foreach (string value in values) writer.Write(value);
    }

    private static string[] ReadStrings(BinaryReader reader, string path, string what)
    {
        var values = new string[ReadCount(reader, path, what)];
        for (int i = 0; i < values.Length; i++) values[i] = reader.ReadString();
        return values;
    }

    private static int ReadCount(BinaryReader reader, string path, string what)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
            throw new InvalidDataException($"{path}: {count} {what} cannot fit in the file");
        return count;
    }
}
