namespace DnS.Core.Features.Backbone;

/// <summary>How <see cref="OnnxBackbone"/> finds the stage maps in a model and how it runs it.</summary>
public sealed record OnnxBackboneOptions
{
    /// <summary>
    /// Names of the four stage tensors (layer1..layer4, in that order). Null: the model's own
    /// outputs are the stages (form (a)), and it must have exactly four. Names that are inner tensors
    /// of the graph rather than outputs (form (b), e.g. a classification ResNet-50) are exposed as
    /// extra graph outputs in memory before the session is created.
    /// </summary>
    public IReadOnlyList<string>? StageOutputNames { get; init; }

    /// <summary>
    /// Frees a batch dimension the exporter fixed (e.g. CNTK's ResNet-18 at 1): the image input's leading dimension,
    /// the same baked size in the outputs' and intermediate shape annotations, and a leading baked size in the
    /// constant target shape of Reshape nodes become dynamic, in memory, so any batch runs and each frame's result
    /// equals its batch-of-one result. No effect on a model whose batch is already dynamic.
    /// </summary>
    public bool DynamicBatch { get; init; }

    /// <summary>Name of the image input tensor; null when the model has exactly one input.</summary>
    public string? InputName { get; init; }

    /// <summary>Threads inside one operator (ONNX Runtime intra-op pool); 0 = ONNX Runtime's default (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads running independent operators in parallel; 0 or 1 = sequential execution (best for ResNet's chain-shaped graph).</summary>
    public int InterOpThreads { get; init; }

    /// <summary>Execution provider to ask for; <see cref="BackboneExecutionProvider.Cpu"/> by default.</summary>
    public BackboneExecutionProvider ExecutionProvider { get; init; } = BackboneExecutionProvider.Cpu;

    /// <summary>CUDA device ordinal used when <see cref="ExecutionProvider"/> is CUDA.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>
    /// When <see cref="BackboneExecutionProvider.Cuda"/> was asked for but is unavailable: true (default) runs on the CPU and reports why in
    /// <see cref="OnnxBackbone.ProviderFallbackReason"/>; false throws <see cref="NotSupportedException"/>.
    /// </summary>
    public bool AllowCpuFallback { get; init; } = true;

    /// <summary>Four stages, as in ResNet's layer1..layer4.</summary>
    public const int StageCount = 4;

    /// <summary>Checks the stage names and the thread and device numbers.</summary>
    /// <exception cref="ArgumentException">Not four stage names, or an empty one.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative thread count or device id, or an unknown provider.</exception>
    public void Validate()
    {
        if (StageOutputNames is { } names)
        {
            if (names.Count != StageCount)
                throw new ArgumentException($"{nameof(StageOutputNames)} has {names.Count} names; a backbone has {StageCount} stages (layer1..layer4).", nameof(StageOutputNames));
            if (names.Any(string.IsNullOrEmpty))
                throw new ArgumentException($"{nameof(StageOutputNames)} contains an empty name.", nameof(StageOutputNames));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(IntraOpThreads);
        ArgumentOutOfRangeException.ThrowIfNegative(InterOpThreads);
        OptionChecks.Defined(ExecutionProvider);
        ArgumentOutOfRangeException.ThrowIfNegative(CudaDeviceId);
    }
}
