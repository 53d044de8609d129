using System.Buffers;
using System.Runtime.InteropServices;
using DnS.Core.Features.Backbone;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DnS.Core.Text;

/// <summary>
/// One tower of a CLIP-style dual encoder exported to ONNX: token ids (int64 or int32, optional
/// <c>attention_mask</c>) or pixel values (float NCHW) in, one embedding row per item out, unnormalized as the model
/// gives it. Names, element types and fixed dimensions come from the model's metadata; inputs and outputs live in
/// pooled arrays. Not safe for concurrent calls.
/// </summary>
internal sealed class OnnxEmbeddingTower : IDisposable
{
    private const string AttentionMask = "attention_mask";

    private readonly string _path;
    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly TensorElementType _inputType;
    private bool _disposed;

    private OnnxEmbeddingTower(string path, OnnxBackboneOptions runtime, string? inputName, string? outputName, bool text, string defaultOutput)
    {
        _path = path;
        if (!File.Exists(path))
            throw new ClipModelException(path, "does not exist.");
        _sessionOptions = OnnxBackbone.CreateSessionOptions(runtime, out BackboneExecutionProvider provider, out string? fallbackReason);
        ExecutionProvider = provider;
        ProviderFallbackReason = fallbackReason;
        try
        {
            _session = new InferenceSession(path, _sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            _runOptions.Dispose();
            _sessionOptions.Dispose();
            throw new ClipModelException(path, $"ONNX Runtime cannot load it: {e.Message}", e);
        }

        try
        {
            string input = ResolveInput(inputName, text, out _inputType, out int[] dimensions);
            InputDimensions = dimensions;
            _inputNames = text && input != AttentionMask && HasMaskInput() ? [input, AttentionMask] : [input];
            _outputNames = [ResolveOutput(outputName, defaultOutput, out int dimension)];
            Dimension = dimension;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The execution provider the session runs on.</summary>
    public BackboneExecutionProvider ExecutionProvider { get; }

    /// <summary>Why CUDA was asked for but the CPU is used; null when no fallback happened.</summary>
    public string? ProviderFallbackReason { get; }

    /// <summary>Embedding width D.</summary>
    public int Dimension { get; }

    /// <summary>The main input's dimensions from the metadata (−1 where dynamic).</summary>
    public int[] InputDimensions { get; }

    /// <summary>Whether the model takes an <c>attention_mask</c> beside the token ids.</summary>
    public bool HasAttentionMask => _inputNames.Length == 2;

    /// <summary>Opens a text tower: int64/int32 [batch, sequence] ids in, [batch, D] floats out.</summary>
    public static OnnxEmbeddingTower OpenText(string path, OnnxBackboneOptions runtime, string? inputName, string? outputName) =>
        new(path, runtime, inputName, outputName, text: true, "text_embeds");

    /// <summary>Opens a vision tower: float [batch, 3, H, W] pixels in, [batch, D] floats out.</summary>
    public static OnnxEmbeddingTower OpenVision(string path, OnnxBackboneOptions runtime, string? inputName, string? outputName) =>
        new(path, runtime, inputName, outputName, text: false, "image_embeds");

    /// <summary>Embeds <paramref name="count"/> rows of <paramref name="length"/> token ids; <paramref name="lengths"/> gives each row's ids before padding (for the attention mask).</summary>
    public void RunText(ReadOnlyMemory<long> ids, ReadOnlySpan<int> lengths, int count, int length, Span<float> embeddings)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int total = count * length;
        long[] shape = [count, length];
        long[]? mask = null;
        int[]? narrow = null;
        var inputs = new List<OrtValue>(2);
        try
        {
            if (_inputType == TensorElementType.Int32)
            {
                narrow = ArrayPool<int>.Shared.Rent(total);
                ReadOnlySpan<long> wide = ids.Span;
                for (int i = 0; i < total; i++)
                    narrow[i] = checked((int)wide[i]);
                inputs.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, narrow.AsMemory(0, total), shape));
            }
            else
            {
                inputs.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, MemoryMarshal.AsMemory(ids[..total]), shape));
            }

            if (HasAttentionMask)
            {
                mask = ArrayPool<long>.Shared.Rent(total);
                for (int r = 0; r < count; r++)
                    for (int t = 0; t < length; t++)
                        mask[r * length + t] = t < lengths[r] ? 1 : 0;
                inputs.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, mask.AsMemory(0, total), shape));
            }

            Run(inputs, count, embeddings);
        }
        finally
        {
            foreach (OrtValue value in inputs)
                value.Dispose();
            if (narrow is not null)
                ArrayPool<int>.Shared.Return(narrow);
            if (mask is not null)
                ArrayPool<long>.Shared.Return(mask);
        }
    }

    /// <summary>Embeds <paramref name="count"/> preprocessed images, NCHW floats of 3×<paramref name="height"/>×<paramref name="width"/>.</summary>
    /// <remarks>The pixels are handed to ONNX Runtime in place (it never writes its inputs): no copy of the batch.</remarks>
    public void RunVision(ReadOnlyMemory<float> pixels, int count, int height, int width, Span<float> embeddings)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Memory<float> input = MemoryMarshal.AsMemory(pixels[..(count * 3 * height * width)]);
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, [count, 3, height, width]);
        Run([value], count, embeddings);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _session?.Dispose();
        _runOptions.Dispose();
        _sessionOptions.Dispose();
    }

    private void Run(IReadOnlyCollection<OrtValue> inputs, int count, Span<float> embeddings)
    {
        int total = count * Dimension;
        float[] output = ArrayPool<float>.Shared.Rent(total);
        try
        {
            using OrtValue result = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output.AsMemory(0, total), [count, Dimension]);
            try
            {
                _session.Run(_runOptions, _inputNames, inputs, _outputNames, [result]);
            }
            catch (OnnxRuntimeException e)
            {
                throw new ClipModelException(_path, $"ONNX Runtime rejected a batch of {count}: {e.Message}", e);
            }

            output.AsSpan(0, total).CopyTo(embeddings);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(output);
        }
    }

    private string ResolveInput(string? requested, bool text, out TensorElementType type, out int[] dimensions)
    {
        string[] candidates = [.. _session.InputNames.Where(n => n != AttentionMask)];
        string name = requested ?? (candidates.Length == 1 ? candidates[0]
            : throw new ClipModelException(_path, $"has inputs {string.Join(", ", _session.InputNames)}; name the {(text ? "token" : "pixel")} input in config.json."));
        if (!_session.InputMetadata.TryGetValue(name, out NodeMetadata? metadata) || !metadata.IsTensor)
            throw new ClipModelException(_path, $"has no tensor input '{name}' (inputs: {string.Join(", ", _session.InputNames)}).");
        type = metadata.ElementDataType;
        dimensions = metadata.Dimensions;
        bool valid = text
            ? type is TensorElementType.Int64 or TensorElementType.Int32 && dimensions.Length == 2
            : type == TensorElementType.Float && dimensions.Length == 4 && dimensions[1] is 3 or -1;
        if (!valid)
            throw new ClipModelException(_path, $"input '{name}' is {type} [{string.Join(", ", dimensions)}]; a {(text ? "text tower takes int64 or int32 [batch, sequence] token ids" : "vision tower takes float [batch, 3, H, W] pixels")}.");
        if (dimensions[0] > 0)
            throw new ClipModelException(_path, $"input '{name}' has a fixed batch of {dimensions[0]}; export it with a dynamic batch axis (docs/text-search.md).");
        return name;
    }

    // Fed as int64 [batch, sequence], as Hugging Face exports declare it.
    private bool HasMaskInput()
    {
        if (!_session.InputMetadata.TryGetValue(AttentionMask, out NodeMetadata? metadata))
            return false;
        if (!metadata.IsTensor || metadata.ElementDataType != TensorElementType.Int64 || metadata.Dimensions.Length != 2)
            throw new ClipModelException(_path, $"input '{AttentionMask}' is {metadata.ElementDataType} [{string.Join(", ", metadata.Dimensions)}]; it must be int64 [batch, sequence].");
        return true;
    }

    private string ResolveOutput(string? requested, string preferred, out int dimension)
    {
        string name = requested
            ?? (_session.OutputMetadata.ContainsKey(preferred) ? preferred
            : _session.OutputNames.Count == 1 ? _session.OutputNames[0]
            : throw new ClipModelException(_path, $"has outputs {string.Join(", ", _session.OutputNames)} and none is '{preferred}'; name the embedding output in config.json."));
        if (!_session.OutputMetadata.TryGetValue(name, out NodeMetadata? metadata) || !metadata.IsTensor)
            throw new ClipModelException(_path, $"has no tensor output '{name}' (outputs: {string.Join(", ", _session.OutputNames)}).");
        int[] dimensions = metadata.Dimensions;
        if (metadata.ElementDataType != TensorElementType.Float || dimensions.Length != 2 || dimensions[1] <= 0)
            throw new ClipModelException(_path, $"output '{name}' is {metadata.ElementDataType} [{string.Join(", ", dimensions)}]; the embedding must be float [batch, D] with a fixed D.");
        dimension = dimensions[1];
        return name;
    }
}
