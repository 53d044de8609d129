namespace DnS.Core.Text;

/// <summary>A file of a CLIP model folder (configuration, vocabulary, ONNX tower) is missing, corrupt or unusable.</summary>
public sealed class ClipModelException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>, repeated at the start of the message.</summary>
    /// <param name="path">The file (or folder) at fault.</param>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="inner">The parser or ONNX Runtime error behind it, if any.</param>
    public ClipModelException(string path, string message, Exception? inner = null)
        : base($"CLIP model file '{path}': {message}", inner)
    {
        Path = path;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }
}
