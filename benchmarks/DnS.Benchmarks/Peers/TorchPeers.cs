using TorchSharp;

namespace DnS.Benchmarks.Peers;

/// <summary>
/// Peer (3): libtorch through TorchSharp, written the way the reference PyTorch code is:
/// einsum('ird,jsd->irjs') → max over target regions → mean over query regions.
/// </summary>
public static class TorchPeers
{
    /// <summary>Frame-to-frame chamfer of query (Tq,R,D) against target (Tt,R,D): a (Tq,Tt) tensor.</summary>
    public static torch.Tensor Chamfer(torch.Tensor query, torch.Tensor target)
    {
        using var pairs = torch.einsum("ird,jsd->irjs", query, target);
        using var best = pairs.amax(3);
        return best.mean([1]);
    }

    /// <summary>
    /// The reference Hamming similarity: the same einsum on ±1 floats, divided by the code length
    /// (&lt;a,b&gt;/bits = 1 − 2·hamming/bits).
    /// </summary>
    public static torch.Tensor SignChamfer(torch.Tensor querySigns, torch.Tensor targetSigns, int bits)
    {
        using var similarity = Chamfer(querySigns, targetSigns);
        return similarity.div(bits);
    }
}
