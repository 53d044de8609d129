namespace DnS.Core.Storage;

/// <summary>
/// The read side of an <see cref="IVideoStore"/>: one committed version of its records, coarse matrix and metadata.
/// An <see cref="IVideoStoreSnapshot"/> is a view that never changes; the store itself is a view of its latest commit.
/// </summary>
public interface IVideoStoreView
{
    /// <summary>The layout every record follows.</summary>
    StoreSchema Schema { get; }

    /// <summary>Live videos.</summary>
    int Count { get; }

    /// <summary>Ids of the live videos, in ordinal order.</summary>
    IReadOnlyList<string> Ids { get; }

    /// <summary>The coarse embeddings, in blocks (ordinals may include dead rows: check <see cref="CoarseBlock.IsLive"/>).</summary>
    IReadOnlyList<CoarseBlock> CoarseBlocks { get; }

    /// <summary>
    /// Named metadata committed atomically with the records (e.g. what built the index, the source of every video).
    /// Values are opaque strings (JSON by convention).
    /// </summary>
    IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The record at an ordinal (as found in <see cref="CoarseBlocks"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such ordinal.</exception>
    VideoRecord GetRecord(int ordinal);

    /// <summary>The id at an ordinal, without materializing the record.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such ordinal.</exception>
    string GetId(int ordinal);

    /// <summary>Finds the ordinal of a live video.</summary>
    bool TryGetOrdinal(string id, out int ordinal);

    /// <summary>Finds a live record by id.</summary>
    bool TryGetRecord(string id, out VideoRecord record);
}
