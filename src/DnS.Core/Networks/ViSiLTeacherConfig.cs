namespace DnS.Core.Networks;

/// <summary>Explicit configuration of a <see cref="ViSiLTeacher"/> (reference <c>ViSiLHead(dims, attention, video_comperator, symmetric)</c>).</summary>
public sealed record ViSiLTeacherConfig
{
    /// <summary>
    /// Average both chamfer directions at the frame and at the video level (<c>visil_symmetric.pth</c>). Not visible
    /// in the weights, so it must be stated; the asymmetric <c>visil.pth</c> is the default.
    /// </summary>
    public bool Symmetric { get; init; }

    /// <summary>Regions per frame (9 for the L3-iMAC 3×3 grid).</summary>
    public int Regions { get; init; } = 9;
}
