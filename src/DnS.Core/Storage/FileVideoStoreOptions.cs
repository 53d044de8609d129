namespace DnS.Core.Storage;

/// <summary>How a <see cref="FileVideoStore"/> is opened.</summary>
public sealed record FileVideoStoreOptions
{
    /// <summary>Open for reading only: no lock is taken and several processes may read while one writes.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Verify every segment's CRC-32 when it is mapped (reads each segment once). Default true.</summary>
    public bool VerifyChecksums { get; init; } = true;
}
