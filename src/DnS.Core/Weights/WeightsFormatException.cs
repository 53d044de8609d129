namespace DnS.Core.Weights;

/// <summary>
/// A weights file is unreadable, truncated, or does not hold the tensor (or the shape) a network needs.
/// The message names the file, the tensor and, for mismatches, both shapes.
/// </summary>
public sealed class WeightsFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WeightsFormatException(string filePath, string message, string? tensorName = null, Exception? inner = null)
        : base($"{filePath}: {message}", inner)
    {
        FilePath = filePath;
        TensorName = tensorName;
    }

    /// <summary>The file that failed.</summary>
    public string FilePath { get; }

    /// <summary>The tensor concerned, when the problem is about one tensor.</summary>
    public string? TensorName { get; }
}
