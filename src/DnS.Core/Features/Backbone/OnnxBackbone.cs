using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DnS.Core.Features.Backbone;

/// <summary>
/// Runs an ImageNet backbone (ResNet-50 in the paper) with ONNX Runtime and returns the four stage
/// maps (layer1..layer4) that L3-iMAC pools. Accepts (a) a model whose outputs are the four stages, or
/// (b) any model plus the names of the four stage tensors, which are exposed as outputs in memory.
/// </summary>
/// <remarks>
/// The batch dimension may be dynamic; buffers and ONNX Runtime tensors are reused across batches of
/// the same input size. One instance is not safe for concurrent <see cref="Run"/> calls.
/// </remarks>
public sealed class OnnxBackbone : IDisposable
{
    private const string CudaProviderName = "CUDAExecutionProvider";

    private readonly string _modelName;
    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _stageNames;
    private readonly int[] _inputDimensions;
    private readonly StageMap[] _stages = new StageMap[OnnxBackboneOptions.StageCount];
    private StageBuffers? _buffers;
    private bool _disposed;

    private OnnxBackbone(string modelName, string? path, byte[]? model, OnnxBackboneOptions options)
    {
        _modelName = modelName;
        _sessionOptions = CreateSessionOptions(options, out BackboneExecutionProvider provider, out string? fallbackReason);
        ExecutionProvider = provider;
        ProviderFallbackReason = fallbackReason;
        try
        {
            _session = model is null ? new InferenceSession(path!, _sessionOptions) : new InferenceSession(model, _sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            _sessionOptions.Dispose();
            _runOptions.Dispose();
            throw new BackboneModelException(modelName, $"ONNX Runtime cannot load it: {e.Message}", e);
        }

        try
        {
            string inputName = ResolveInput(options.InputName, out _inputDimensions);
            _inputNames = [inputName];
            _stageNames = ResolveStages(options.StageOutputNames);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The execution provider the session actually runs on.</summary>
    public BackboneExecutionProvider ExecutionProvider { get; }

    /// <summary>Why CUDA was asked for but the CPU is used; null when no fallback happened.</summary>
    public string? ProviderFallbackReason { get; }

    /// <summary>Name of the image input tensor.</summary>
    public string InputName => _inputNames[0];

    /// <summary>Names of the four stage tensors, layer1..layer4.</summary>
    public IReadOnlyList<string> StageNames => _stageNames;

    /// <summary>
    /// Opens an ONNX model file. With <see cref="OnnxBackboneOptions.StageOutputNames"/> null and
    /// <see cref="OnnxBackboneOptions.DynamicBatch"/> false the file is handed to ONNX Runtime as is (form (a);
    /// external weight files next to it work); otherwise it is read, rewritten in memory where the names are inner
    /// tensors (form (b)) or the batch dimension is fixed, and loaded from bytes (from the path again when nothing
    /// needed rewriting).
    /// </summary>
    /// <param name="modelPath">Path of the .onnx file.</param>
    /// <param name="options">Stage names, threads and execution provider; defaults when null.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="BackboneModelException">The file is not a usable backbone model.</exception>
    /// <exception cref="ArgumentException">An option is invalid (<see cref="OnnxBackboneOptions.Validate"/>).</exception>
    public static OnnxBackbone Open(string modelPath, OnnxBackboneOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new OnnxBackboneOptions();
        options.Validate();
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"Backbone model '{modelPath}' does not exist.", modelPath);
        if (options.StageOutputNames is null && !options.DynamicBatch)
            return new OnnxBackbone(modelPath, modelPath, null, options);
        byte[] original = File.ReadAllBytes(modelPath);
        byte[] model = OnnxModelRewriter.Rewrite(original, modelPath, options.StageOutputNames, options.DynamicBatch);
        // Nothing to rewrite: load from the path after all, so weights stored beside the file are still found.
        return ReferenceEquals(model, original)
            ? new OnnxBackbone(modelPath, modelPath, null, options)
            : new OnnxBackbone(modelPath, null, model, options);
    }

    /// <summary>Loads a model from its serialized bytes (e.g. an embedded resource or a generated graph).</summary>
    /// <param name="model">The ONNX ModelProto bytes; not modified.</param>
    /// <param name="modelName">Name used in error messages.</param>
    /// <param name="options">Stage names, threads and execution provider; defaults when null.</param>
    /// <exception cref="BackboneModelException">The bytes are not a usable backbone model.</exception>
    /// <exception cref="ArgumentException">An option is invalid (<see cref="OnnxBackboneOptions.Validate"/>).</exception>
    public static OnnxBackbone FromBytes(byte[] model, string modelName, OnnxBackboneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(modelName);
        options ??= new OnnxBackboneOptions();
        options.Validate();
        byte[] prepared = options.StageOutputNames is null && !options.DynamicBatch
            ? model
            : OnnxModelRewriter.Rewrite(model, modelName, options.StageOutputNames, options.DynamicBatch);
        return new OnnxBackbone(modelName, null, prepared, options);
    }

    /// <summary>
    /// Runs the backbone on a batch and returns its four stage maps, NCHW, one per ResNet stage.
    /// The maps view buffers owned by this instance: they stay valid until the next call or disposal.
    /// </summary>
    /// <param name="batch">Preprocessed frames (N×3×H×W).</param>
    /// <exception cref="ArgumentException">The batch is empty, too short, or its size does not fit the model's input.</exception>
    public IReadOnlyList<StageMap> Run(FrameBatch batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ValidateBatch(batch);
        int count = batch.Count;

        StageBuffers? buffers = _buffers;
        if (buffers is null || buffers.Height != batch.Height || buffers.Width != batch.Width)
        {
            buffers = Probe(batch);
        }
        else
        {
            buffers.EnsureCapacity(count);
            buffers.CopyInput(batch.Pixels.Span, count);
            try
            {
                _session.Run(_runOptions, _inputNames, buffers.Inputs(count), _stageNames, buffers.Outputs(count));
            }
            catch (OnnxRuntimeException e)
            {
                throw RejectedInput(batch, e);
            }
        }

        for (int s = 0; s < _stages.Length; s++)
            _stages[s] = buffers.Stage(s, count);
        return _stages;
    }

    /// <summary>Releases the ONNX Runtime session and the pinned buffers.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _buffers?.Dispose();
        _session?.Dispose();
        _runOptions.Dispose();
        _sessionOptions.Dispose();
    }

    // First batch of a new input size: ONNX Runtime allocates the outputs once so their shapes are
    // known (stage sizes depend on H and W); later batches run straight into the reused buffers.
    private StageBuffers Probe(FrameBatch batch)
    {
        int count = batch.Count;
        int length = count * 3 * batch.Height * batch.Width;
        Memory<float> pixels = MemoryMarshal.AsMemory(batch.Pixels[..length]);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, pixels,
            [count, 3, batch.Height, batch.Width]);
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(_runOptions, _inputNames, [input], _stageNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw RejectedInput(batch, e);
        }

        using IDisposableReadOnlyCollection<OrtValue> results = outputs;

        var shapes = new StageShape[_stageNames.Length];
        int index = 0;
        foreach (OrtValue output in results)
        {
            long[] shape = output.GetTensorTypeAndShape().Shape;
            if (shape.Length != 4 || shape[0] != count)
                throw new BackboneModelException(_modelName,
                    $"stage tensor '{_stageNames[index]}' has shape [{string.Join(", ", shape)}] for input " +
                    $"[{count}, 3, {batch.Height}, {batch.Width}]; expected [{count}, C, H, W].");
            shapes[index++] = new StageShape((int)shape[1], (int)shape[2], (int)shape[3]);
        }

        _buffers?.Dispose();
        _buffers = null;
        var buffers = new StageBuffers(batch.Height, batch.Width, shapes, count);
        index = 0;
        foreach (OrtValue output in results)
        {
            output.GetTensorDataAsSpan<float>().CopyTo(buffers.StageSpan(index, count));
            index++;
        }

        _buffers = buffers;
        return buffers;
    }

    private ArgumentException RejectedInput(FrameBatch batch, OnnxRuntimeException e) =>
        new($"Backbone model '{_modelName}' rejected input '{InputName}' of shape [{batch.Count}, 3, {batch.Height}, {batch.Width}]: {e.Message}",
            nameof(batch), e);

    private void ValidateBatch(FrameBatch batch)
    {
        if (batch.Count <= 0 || batch.Height <= 0 || batch.Width <= 0)
            throw new ArgumentException(
                $"Frame batch shape [{batch.Count}, 3, {batch.Height}, {batch.Width}] must be positive in every dimension.", nameof(batch));
        long needed = (long)batch.Count * 3 * batch.Height * batch.Width;
        if (batch.Pixels.Length < needed)
            throw new ArgumentException(
                $"Frame batch holds {batch.Pixels.Length} floats but shape [{batch.Count}, 3, {batch.Height}, {batch.Width}] needs {needed}.", nameof(batch));
        ReadOnlySpan<int> expected = _inputDimensions;
        ReadOnlySpan<int> actual = [batch.Count, 3, batch.Height, batch.Width];
        for (int d = 0; d < expected.Length; d++)
            if (expected[d] > 0 && expected[d] != actual[d])
                throw new ArgumentException(
                    $"Backbone model '{_modelName}' input '{InputName}' has shape [{FormatDimensions(_inputDimensions)}] " +
                    $"but the frame batch is [{batch.Count}, 3, {batch.Height}, {batch.Width}]" +
                    (d == 0 ? "; set OnnxBackboneOptions.DynamicBatch, export the model with a dynamic batch axis (docs/backbone.md) or send batches of that size." : "."),
                    nameof(batch));
    }

    private string ResolveInput(string? requested, out int[] dimensions)
    {
        string name;
        if (requested is not null)
            name = requested;
        else if (_session.InputNames.Count == 1)
            name = _session.InputNames[0];
        else
            throw new BackboneModelException(_modelName,
                $"has {_session.InputNames.Count} inputs ({string.Join(", ", _session.InputNames)}); set OnnxBackboneOptions.InputName.");

        if (!_session.InputMetadata.TryGetValue(name, out NodeMetadata? metadata))
            throw new BackboneModelException(_modelName,
                $"has no input named '{name}' (inputs: {string.Join(", ", _session.InputNames)}).");
        dimensions = metadata.IsTensor ? metadata.Dimensions : [];
        if (!metadata.IsTensor || metadata.ElementDataType != TensorElementType.Float || dimensions.Length != 4
            || (dimensions[1] > 0 && dimensions[1] != 3))
            throw new BackboneModelException(_modelName,
                $"input '{name}' must be a float tensor [N, 3, H, W]; it is {metadata.ElementDataType} [{FormatDimensions(dimensions)}].");
        return name;
    }

    private string[] ResolveStages(IReadOnlyList<string>? requested)
    {
        IReadOnlyList<string> names = requested ?? _session.OutputNames;
        if (names.Count != OnnxBackboneOptions.StageCount)
            throw new BackboneModelException(_modelName,
                $"has {names.Count} outputs ({string.Join(", ", names)}); a form (a) backbone outputs exactly the four stage maps " +
                "layer1..layer4, otherwise name them in OnnxBackboneOptions.StageOutputNames.");
        var stages = new string[names.Count];
        for (int s = 0; s < stages.Length; s++)
        {
            string name = names[s];
            if (!_session.OutputMetadata.TryGetValue(name, out NodeMetadata? metadata))
                throw new BackboneModelException(_modelName,
                    $"has no output named '{name}' (outputs: {string.Join(", ", _session.OutputNames)}).");
            if (!metadata.IsTensor || metadata.ElementDataType != TensorElementType.Float)
                throw new BackboneModelException(_modelName, $"stage output '{name}' is not a float tensor.");
            stages[s] = name;
        }

        return stages;
    }

    /// <summary>
    /// Session options for <paramref name="options"/>' threads and execution provider (CUDA with CPU fallback as asked);
    /// shared with the CLIP towers so every model of the library runs under the same rules.
    /// </summary>
    internal static SessionOptions CreateSessionOptions(OnnxBackboneOptions options, out BackboneExecutionProvider provider, out string? fallbackReason)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = options.InterOpThreads,
            ExecutionMode = options.InterOpThreads > 1 ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
        };
        provider = BackboneExecutionProvider.Cpu;
        fallbackReason = null;
        if (options.ExecutionProvider == BackboneExecutionProvider.Cpu)
            return sessionOptions;

        fallbackReason = TryAppendCuda(sessionOptions, options.CudaDeviceId);
        if (fallbackReason is null)
        {
            provider = BackboneExecutionProvider.Cuda;
            return sessionOptions;
        }

        if (options.ExecutionProvider == BackboneExecutionProvider.Cuda && !options.AllowCpuFallback)
        {
            sessionOptions.Dispose();
            throw new NotSupportedException(fallbackReason);
        }

        return sessionOptions;
    }

    // Returns null on success, otherwise why CUDA cannot be used.
    private static string? TryAppendCuda(SessionOptions sessionOptions, int deviceId)
    {
        string[] available = OrtEnv.Instance().GetAvailableProviders();
        if (Array.IndexOf(available, CudaProviderName) < 0)
            return $"CUDA execution provider not in this ONNX Runtime build (available: {string.Join(", ", available)}); " +
                   "reference Microsoft.ML.OnnxRuntime.Gpu in the host application to use the GPU (see docs/backbone.md).";
        try
        {
            sessionOptions.AppendExecutionProvider_CUDA(deviceId);
            return null;
        }
        catch (OnnxRuntimeException e)
        {
            return $"CUDA execution provider failed to initialize on device {deviceId}: {e.Message}";
        }
    }

    private static string FormatDimensions(int[] dimensions)
    {
        var parts = new string[dimensions.Length];
        for (int d = 0; d < dimensions.Length; d++)
            parts[d] = dimensions[d] > 0 ? dimensions[d].ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
        return string.Join(", ", parts);
    }
}
