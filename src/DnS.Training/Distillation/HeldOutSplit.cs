using DnS.Training.Teachers;

namespace DnS.Training.Distillation;

/// <summary>
/// The held-out part of a distillation (see <see cref="DistillationOptions.HeldOutFraction"/>): a seeded sample of the mined
/// anchors whose pairs train nothing, so the self-check ranks videos no network has seen in training.
/// </summary>
/// <remarks>
/// Held-out anchors: round(fraction × anchors) of the mined anchors (at least one when the fraction is above 0, at most all
/// but one), drawn by a partial Fisher–Yates shuffle of the ascending anchors with <c>new Random(seed)</c>. Held-out videos:
/// those anchors and their teacher-mined positives. Training pairs: every mined pair whose anchor is not held out and whose
/// other video is not a held-out video, so neither a held-out anchor nor a copy the teacher found for it is ever a
/// training input.
/// </remarks>
internal sealed class HeldOutSplit
{
    private HeldOutSplit(int[] anchors, bool[] heldOutVideos, IReadOnlyList<ScoredPair> training)
    {
        Anchors = anchors;
        IsHeldOut = heldOutVideos;
        Training = training;
    }

    /// <summary>The held-out anchors, ascending.</summary>
    public int[] Anchors { get; }

    /// <summary>Per video: a held-out anchor or one of its mined positives.</summary>
    public bool[] IsHeldOut { get; }

    /// <summary>The pairs the networks train on.</summary>
    public IReadOnlyList<ScoredPair> Training { get; }

    /// <summary>Splits the mined, fused <paramref name="pairs"/> of a corpus of <paramref name="videos"/> videos.</summary>
    /// <exception cref="ArgumentException">No training pair is left.</exception>
    public static HeldOutSplit Create(IReadOnlyList<ScoredPair> pairs, int videos, double fraction, int seed)
    {
        var anchors = pairs.Select(p => p.Anchor).Distinct().Order().ToArray();
        int count = fraction <= 0 || anchors.Length < 2 ? 0 : Math.Clamp((int)Math.Round(fraction * anchors.Length), 1, anchors.Length - 1);
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            int j = rng.Next(i, anchors.Length);
            (anchors[i], anchors[j]) = (anchors[j], anchors[i]);
        }
        var heldOut = anchors[..count];
        Array.Sort(heldOut);
        var isAnchor = new bool[videos];
        foreach (int a in heldOut) isAnchor[a] = true;
        var isHeldOut = (bool[])isAnchor.Clone();
        foreach (var pair in pairs)
            if (isAnchor[pair.Anchor] && pair.Kind == PairKind.Positive) isHeldOut[pair.Other] = true;
        var training = pairs.Where(p => !isAnchor[p.Anchor] && !isHeldOut[p.Other]).ToArray();
        if (training.Length == 0)
            throw new ArgumentException($"holding out {count} of {anchors.Length} anchors and their positives leaves no training pair; lower the held-out fraction or add anchors");
        return new HeldOutSplit(heldOut, isHeldOut, training);
    }
}
