namespace DnS.Samples.Corpus;

/// <summary>Size of a <see cref="SyntheticCorpus"/>.</summary>
public sealed record SyntheticCorpusOptions
{
    /// <summary>Source clips with transformed copies (each is a query). Default 6.</summary>
    public int Sources { get; init; } = 6;

    /// <summary>Unrelated clips (hard negatives from the same generator families). Default 10.</summary>
    public int Distractors { get; init; } = 10;

    /// <summary>Clip length in seconds. Default 12.</summary>
    public int Seconds { get; init; } = 12;

    /// <summary>
    /// Generator number of the first clip (default 0). Clips are seeded by their number, so corpora with disjoint
    /// ranges share no content: a training corpus and the corpus it is evaluated on.
    /// </summary>
    public int FirstClip { get; init; }

    /// <summary>Transforms applied to each source (default: all of <see cref="SyntheticCorpus.TransformNames"/>).</summary>
    public IReadOnlyList<string>? Transforms { get; init; }

    /// <summary>Checks the sizes and the transform names.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range (its name is the parameter name).</exception>
    /// <exception cref="ArgumentException">A transform name is unknown.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Sources, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(Distractors);
        ArgumentOutOfRangeException.ThrowIfLessThan(Seconds, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(FirstClip);
        foreach (string name in Transforms ?? [])
            if (!SyntheticCorpus.TransformNames.Contains(name))
                throw new ArgumentException($"unknown transform '{name}' (known: {string.Join(", ", SyntheticCorpus.TransformNames)})", nameof(Transforms));
    }
}
