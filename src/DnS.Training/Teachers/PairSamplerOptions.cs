using DnS.Core;

namespace DnS.Training.Teachers;

/// <summary>How the <see cref="PairSampler"/> mines training pairs (method §1.5). Counts are capped by the corpus size.</summary>
public sealed record PairSamplerOptions
{
    /// <summary>Fraction of the corpus chosen as anchors (at least one anchor), unless <see cref="AnchorCount"/> is set. Default 0.2.</summary>
    public double AnchorFraction { get; init; } = 0.2;

    /// <summary>Number of anchors; overrides <see cref="AnchorFraction"/> when set.</summary>
    public int? AnchorCount { get; init; }

    /// <summary>Seed of every random choice: the same seed, corpus and teacher give the same pairs.</summary>
    public int Seed { get; init; }

    /// <summary>Positives per anchor at most: the teacher's top-k among the candidates. Default 5.</summary>
    public int MaxPositives { get; init; } = 5;

    /// <summary>
    /// Minimum teacher score of a positive; null accepts the top-k whatever their score. With a threshold an anchor
    /// may get fewer than <see cref="MaxPositives"/> positives, or none.
    /// </summary>
    public float? PositiveThreshold { get; init; }

    /// <summary>
    /// Candidates the teacher re-scores per anchor, chosen by the cheap coarse similarity (cosine of the mean region
    /// vectors); 0 lets the teacher score every video against every anchor. Default 100.
    /// </summary>
    public int Candidates { get; init; } = 100;

    /// <summary>
    /// Candidates the teacher ranks right after the positives, paired with each anchor (<see cref="PairKind.HardCandidate"/>;
    /// only with <see cref="Candidates"/> above 0). Default 10.
    /// </summary>
    public int HardCandidates { get; init; } = 10;

    /// <summary>Other anchors' videos paired with each anchor (<see cref="PairKind.AnchorNegative"/>). Default 50.</summary>
    public int AnchorNegatives { get; init; } = 50;

    /// <summary>Distractors paired with each anchor (<see cref="PairKind.Distractor"/>). Default 50.</summary>
    public int Distractors { get; init; } = 50;

    /// <summary>Anchors mined at once. Default 2.</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (its name is the parameter name).</exception>
    public void Validate()
    {
        if (AnchorCount is { } anchors) ArgumentOutOfRangeException.ThrowIfLessThan(anchors, 1, nameof(AnchorCount));
        else OptionChecks.Fraction(AnchorFraction);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPositives);
        if (PositiveThreshold is { } threshold) OptionChecks.Finite(threshold, nameof(PositiveThreshold));
        ArgumentOutOfRangeException.ThrowIfNegative(Candidates);
        ArgumentOutOfRangeException.ThrowIfNegative(HardCandidates);
        ArgumentOutOfRangeException.ThrowIfNegative(AnchorNegatives);
        ArgumentOutOfRangeException.ThrowIfNegative(Distractors);
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1);
    }
}
