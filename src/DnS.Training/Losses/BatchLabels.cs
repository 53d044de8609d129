using static TorchSharp.torch;

namespace DnS.Training.Losses;

/// <summary>Same-video label matrices of contrastive batches.</summary>
public static class BatchLabels
{
    /// <summary>matches[i, j] = group[i] == group[j] (bool [N, N]) for the group (video) of each batch member.</summary>
    public static Tensor Matches(ReadOnlySpan<int> groups)
    {
        var g = tensor(groups.ToArray(), ScalarType.Int32);
        return g.unsqueeze(1).eq(g.unsqueeze(0));
    }

    /// <summary>The matches without the diagonal: the positives of each row.</summary>
    public static Tensor Positives(Tensor matches) => matches.logical_and(eye(matches.shape[0], dtype: ScalarType.Bool, device: matches.device).logical_not());

    /// <summary>Throws unless <paramref name="similarity"/> is [N, N] and <paramref name="matches"/> is a bool tensor of the same shape.</summary>
    public static void Check(Tensor similarity, Tensor matches)
    {
        if (similarity.dim() != 2 || similarity.shape[0] != similarity.shape[1] || !similarity.shape.SequenceEqual(matches.shape) || matches.dtype != ScalarType.Bool)
            throw new ArgumentException($"similarity [{string.Join(", ", similarity.shape)}] must be square and matches [{string.Join(", ", matches.shape)}] a bool tensor of the same shape");
    }
}
