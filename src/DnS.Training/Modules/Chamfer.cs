using static TorchSharp.torch;

namespace DnS.Training.Modules;

/// <summary>The Chamfer similarities shared by the students and the teacher, written so autograd flows through them.</summary>
public static class Chamfer
{
    /// <summary>
    /// Region similarities S[b, i, o, p, j] = ⟨Q[b, i, o], X[b, j, p]⟩ for query [B, Tq, R, D] and target [B, Tt, R', D]
    /// (the reference's einsum <c>biok,bjpk->biopj</c>).
    /// </summary>
    public static Tensor RegionSimilarities(Tensor query, Tensor target) => einsum("biok,bjpk->biopj", query, target);

    /// <summary>f2f[b, i, j] = mean over query regions of the max over target regions, [B, Tq, Tt].</summary>
    public static Tensor FrameToFrame(Tensor query, Tensor target) => RegionSimilarities(query, target).amax(3).mean([2]);

    /// <summary>The symmetric teacher's f2f: the average of both region directions.</summary>
    public static Tensor SymmetricFrameToFrame(Tensor query, Tensor target)
    {
        var s = RegionSimilarities(query, target);
        return (s.amax(3).mean([2]) + s.amax(2).mean([2])).div(ScalarConstants.Two);
    }

    /// <summary>Video similarity [B]: mean over query rows of the max over target columns of a [B, Tq', Tt'] matrix.</summary>
    public static Tensor Video(Tensor matrix) => matrix.amax(2).mean([1]);

    /// <summary>
    /// The masked video similarity [B] of the reference's padded batches: the max runs over valid target cells of
    /// <paramref name="valid"/> [B, Tq', Tt'] (bool) and the mean over query rows that have any valid cell.
    /// </summary>
    public static Tensor Video(Tensor matrix, Tensor valid)
    {
        var rowMax = matrix.masked_fill(valid.logical_not(), FillValues.NegativeInfinity).amax(2);
        var validRows = valid.any(2);
        return rowMax.masked_fill(validRows.logical_not(), FillValues.Zero).sum([1]) / validRows.sum([1]).to_type(matrix.dtype);
    }

    /// <summary>The symmetric video similarity [B]: the average of both directions.</summary>
    public static Tensor SymmetricVideo(Tensor matrix) => (matrix.amax(2).mean([1]) + matrix.amax(1).mean([1])).div(ScalarConstants.Two);
}
