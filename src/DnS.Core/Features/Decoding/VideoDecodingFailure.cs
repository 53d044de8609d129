namespace DnS.Core.Features.Decoding;

/// <summary>Why a video could not be decoded (<see cref="VideoDecodingException.Reason"/>).</summary>
public enum VideoDecodingFailure
{
    /// <summary>ffmpeg or ffprobe is not installed, or not in the configured folder.</summary>
    FfmpegNotFound,

    /// <summary>The file does not exist.</summary>
    FileNotFound,

    /// <summary>The file exists but cannot be opened for reading (permissions, a directory, a locked file).</summary>
    Unreadable,

    /// <summary>The file is zero bytes long.</summary>
    EmptyFile,

    /// <summary>ffmpeg does not recognize the file as a media container (a text file, random bytes, ...).</summary>
    NotAMediaFile,

    /// <summary>The file is a media file without a video stream (audio only).</summary>
    NoVideoStream,

    /// <summary>The file ends early: a cut-off download or copy (missing index, partial packets).</summary>
    Truncated,

    /// <summary>ffmpeg failed while decoding the video stream.</summary>
    DecodeFailed,

    /// <summary>The video gives more sampled frames than <see cref="VideoDecodingOptions.MaxFrames"/> allows.</summary>
    TooManyFrames,

    /// <summary>ffprobe or ffmpeg gave no answer within <see cref="VideoDecodingOptions.ProcessTimeout"/> and was killed.</summary>
    TimedOut,
}
