using DnS.Core.Storage;

namespace DnS.Core.Library;

/// <summary>A side of a library kept in its own <see cref="CompanionStore"/> (the text side, the inset side): what
/// <see cref="VideoLibrary.AddAsync"/> extracts from each video file beside the main features.</summary>
internal interface ICompanionSide : IAsyncDisposable
{
    /// <summary>The side's store.</summary>
    CompanionStore Companion { get; }

    /// <summary>The side's record of a video file.</summary>
    /// <exception cref="Features.Decoding.VideoDecodingException">The file cannot be decoded.</exception>
    Task<VideoRecord> ExtractRecordAsync(string id, string path, CancellationToken cancellationToken);
}
