using System.Diagnostics;
using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Training.Data;

namespace DnS.Training.Teachers;

/// <summary>
/// Mines distillation pairs from an unlabeled corpus (method §1.5): anchors, each with the videos a teacher ranks
/// related to it, other anchors' videos and distractors. Deterministic for a seed, corpus and teacher.
/// </summary>
/// <remarks>
/// <para>The rule, per anchor a:</para>
/// <list type="number">
/// <item>Anchors: <see cref="PairSamplerOptions.AnchorCount"/> (or the fraction) of the videos, drawn uniformly with the seed.</item>
/// <item>Candidates: the <see cref="PairSamplerOptions.Candidates"/> videos closest to a by the cheap coarse similarity
/// (cosine of the mean region vectors), or every other video when that option is 0 or covers the corpus.</item>
/// <item>Positives (<see cref="PairKind.Positive"/>): the teacher scores a against each candidate; the best
/// <see cref="PairSamplerOptions.MaxPositives"/> whose score is ≥ <see cref="PairSamplerOptions.PositiveThreshold"/>
/// (when set), best first, ties to the lower index.</item>
/// <item>Hard candidates (<see cref="PairKind.HardCandidate"/>): with a candidate pool, the next
/// <see cref="PairSamplerOptions.HardCandidates"/> candidates in the teacher's order after the positives.</item>
/// <item>Anchor negatives (<see cref="PairKind.AnchorNegative"/>): up to <see cref="PairSamplerOptions.AnchorNegatives"/>
/// videos drawn from the other anchors and their positives, never a itself, a's positives or its hard candidates.</item>
/// <item>Distractors (<see cref="PairKind.Distractor"/>): up to <see cref="PairSamplerOptions.Distractors"/> videos that are
/// neither an anchor nor any anchor's positive.</item>
/// </list>
/// <para>Pairs come grouped by anchor (anchors ascending): positives and hard candidates in the teacher's order, then anchor
/// negatives and distractors by index.</para>
/// </remarks>
public sealed class PairSampler
{
    private readonly PairSamplerOptions _options;

    /// <summary>Creates a sampler.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public PairSampler(PairSamplerOptions? options = null)
    {
        _options = options ?? new PairSamplerOptions();
        _options.Validate();
    }

    /// <summary>The anchors of a corpus of <paramref name="videos"/> videos, ascending (the first draw of the seeded generator).</summary>
    public int[] ChooseAnchors(int videos) => ChooseAnchors(videos, new Random(_options.Seed));

    /// <summary>Mines the pairs of <paramref name="source"/> with <paramref name="teacher"/> (see the type remarks for the rule).</summary>
    /// <param name="source">The corpus.</param>
    /// <param name="teacher">Ranks each anchor's candidates.</param>
    /// <param name="progress">Receives the anchors mined so far.</param>
    /// <param name="cancellationToken">Stops the mining.</param>
    /// <exception cref="ArgumentException">The corpus has fewer than two videos.</exception>
    public async Task<IReadOnlyList<SampledPair>> SampleAsync(IRegionFeatureSource source, IPairTeacher teacher,
        IProgress<ScoringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        int n = source.Count;
        if (n < 2) throw new ArgumentException($"mining needs at least 2 videos, the corpus has {n}", nameof(source));
        var rng = new Random(_options.Seed);
        int[] anchors = ChooseAnchors(n, rng);
        int candidates = _options.Candidates > 0 && _options.Candidates < n - 1 ? _options.Candidates : 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Parallelism, CancellationToken = cancellationToken };
        var positives = new int[anchors.Length][];
        var hard = new int[anchors.Length][];
        var clock = Stopwatch.StartNew();
        await Task.Run(() =>
        {
            float[]? coarse = candidates > 0 ? CoarseVectors(source, parallel) : null;
            long mined = 0;
            Parallel.For(0, anchors.Length, parallel, () => new float[n], (i, _, scratch) =>
            {
                (positives[i], hard[i]) = MinePositives(source, teacher, anchors[i], coarse, candidates, scratch);
                long done = Interlocked.Increment(ref mined);
                progress?.Report(new ScoringProgress(anchors.Length, done, clock.Elapsed));
                return scratch;
            }, _ => { });
        }, cancellationToken).ConfigureAwait(false);

        // Negatives are drawn sequentially from the one seeded generator, so the result does not depend on scheduling.
        var related = new bool[n];
        for (int i = 0; i < anchors.Length; i++)
        {
            related[anchors[i]] = true;
            foreach (int p in positives[i]) related[p] = true;
        }
        var anchorPool = new List<int>();
        var distractorPool = new List<int>();
        for (int v = 0; v < n; v++) (related[v] ? anchorPool : distractorPool).Add(v);

        var pairs = new List<SampledPair>();
        var exclude = new HashSet<int>();
        for (int i = 0; i < anchors.Length; i++)
        {
            int anchor = anchors[i];
            exclude.Clear();
            exclude.Add(anchor);
            foreach (int p in positives[i])
            {
                exclude.Add(p);
                pairs.Add(new SampledPair(anchor, p, PairKind.Positive));
            }
            foreach (int v in hard[i])
            {
                exclude.Add(v);
                pairs.Add(new SampledPair(anchor, v, PairKind.HardCandidate));
            }
            foreach (int v in Draw(anchorPool, _options.AnchorNegatives, exclude, rng)) pairs.Add(new SampledPair(anchor, v, PairKind.AnchorNegative));
            foreach (int v in Draw(distractorPool, _options.Distractors, exclude, rng)) pairs.Add(new SampledPair(anchor, v, PairKind.Distractor));
        }
        return pairs;
    }

    private int[] ChooseAnchors(int videos, Random rng)
    {
        int count = _options.AnchorCount ?? (int)Math.Max(1, Math.Round(_options.AnchorFraction * videos));
        count = Math.Min(count, videos);
        var order = new int[videos];
        for (int i = 0; i < videos; i++) order[i] = i;
        // Partial Fisher–Yates: the first `count` entries are a uniform sample.
        for (int i = 0; i < count; i++)
        {
            int j = rng.Next(i, videos);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var anchors = order[..count];
        Array.Sort(anchors);
        return anchors;
    }

    // The parameter-free coarse embedding (L2-normalized mean region vector) of every video, N×D.
    private static float[] CoarseVectors(IRegionFeatureSource source, ParallelOptions parallel)
    {
        int dims = source.Dims;
        var coarse = DnsModels.BuiltIn(source.Regions, dims).Coarse;
        var matrix = new float[(long)source.Count * dims];
        Parallel.For(0, source.Count, parallel, v => coarse.IndexVideo(source.GetFeatures(v).Span).CopyTo(matrix.AsSpan(v * dims, dims)));
        return matrix;
    }

    // The positives, then the hard candidates (only when the pool is the coarse-nearest candidates, not the whole corpus).
    private (int[] Positives, int[] Hard) MinePositives(IRegionFeatureSource source, IPairTeacher teacher, int anchor, float[]? coarse, int candidates, float[] scratch)
    {
        int n = source.Count;
        int[] pool;
        if (coarse is null)
        {
            pool = new int[n - 1];
            for (int v = 0, k = 0; v < n; v++) if (v != anchor) pool[k++] = v;
        }
        else
        {
            int dims = source.Dims;
            DotKernel.OneVsMany(coarse.AsSpan(anchor * dims, dims), coarse, scratch);
            scratch[anchor] = float.NaN; // NaN ranks below every score, so the anchor is never its own candidate
            pool = new int[candidates];
            TopK.Select(scratch.AsSpan(0, n), pool, new float[candidates]);
        }

        var scored = new List<(float Score, int Video)>(pool.Length);
        foreach (int v in pool) scored.Add((teacher.Score(source, anchor, v), v));
        scored.Sort((x, y) => x.Score != y.Score ? y.Score.CompareTo(x.Score) : x.Video.CompareTo(y.Video));
        var positives = scored.Where(s => _options.PositiveThreshold is not { } threshold || s.Score >= threshold)
            .Take(_options.MaxPositives).Select(s => s.Video).ToArray();
        // The rest of the coarse-nearest candidates in the teacher's order (none when the pool is the whole corpus).
        var hard = coarse is null ? [] : scored.Select(s => s.Video).Where(v => !positives.Contains(v)).Take(_options.HardCandidates).ToArray();
        return (positives, hard);
    }

    // Up to `count` distinct pool members outside `exclude`, ascending.
    private static List<int> Draw(List<int> pool, int count, HashSet<int> exclude, Random rng)
    {
        int excludedInPool = 0;
        foreach (int v in exclude) if (pool.BinarySearch(v) >= 0) excludedInPool++; // pools are ascending
        var chosen = new List<int>();
        if (pool.Count - excludedInPool <= count)
        {
            foreach (int v in pool) if (!exclude.Contains(v)) chosen.Add(v);
            return chosen;
        }
        var taken = new HashSet<int>();
        while (taken.Count < count)
        {
            int v = pool[rng.Next(pool.Count)];
            if (!exclude.Contains(v) && taken.Add(v)) chosen.Add(v);
        }
        chosen.Sort();
        return chosen;
    }
}
