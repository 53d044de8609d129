namespace DnS.Core.Features.Backbone;

/// <summary>Where ONNX Runtime executes the backbone.</summary>
public enum BackboneExecutionProvider
{
    /// <summary>ONNX Runtime's CPU execution provider (always available).</summary>
    Cpu,

    /// <summary>
    /// NVIDIA CUDA. Needs the host application to reference <c>Microsoft.ML.OnnxRuntime.Gpu</c>
    /// (and CUDA/cuDNN on the machine); otherwise the backbone falls back to <see cref="Cpu"/>
    /// unless <see cref="OnnxBackboneOptions.AllowCpuFallback"/> is false.
    /// </summary>
    Cuda,

    /// <summary>
    /// CUDA when the GPU runtime is referenced and initializes, otherwise the CPU without error
    /// (the reason is still reported in <see cref="OnnxBackbone.ProviderFallbackReason"/>).
    /// </summary>
    Auto,
}
