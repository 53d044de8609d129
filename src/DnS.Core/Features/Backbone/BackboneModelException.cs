namespace DnS.Core.Features.Backbone;

/// <summary>A backbone model file is missing, corrupt, or does not have the tensors the backbone needs.</summary>
public sealed class BackboneModelException : Exception
{
    /// <summary>Creates the exception for the model <paramref name="modelName"/> (a file path or a caller-given name).</summary>
    /// <param name="modelName">The model file path or name, repeated in the message.</param>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="inner">The ONNX Runtime or protobuf error behind it, if any.</param>
    public BackboneModelException(string modelName, string message, Exception? inner = null)
        : base($"Backbone model '{modelName}': {message}", inner)
    {
        ModelName = modelName;
    }

    /// <summary>The model file path or caller-given name.</summary>
    public string ModelName { get; }
}
