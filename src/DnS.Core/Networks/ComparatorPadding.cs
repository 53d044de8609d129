namespace DnS.Core.Networks;

/// <summary>How the video comparator pads its input before each 3×3 convolution.</summary>
public enum ComparatorPadding
{
    /// <summary>Zero padding (<c>nn.ZeroPad2d</c>), as in the DnS students and selector.</summary>
    Zero,

    /// <summary>Edge replication (<c>nn.ReplicationPad2d</c>), as in the ViSiL teacher.</summary>
    Replicate,
}
