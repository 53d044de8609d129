using DnS.Core.Networks;
using DnS.Core.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace DnS.Training.Weights;

/// <summary>
/// Moves weights between TorchSharp modules and DnS.Core: loads any <see cref="ITensorSource"/> (safetensors,
/// PyTorch checkpoint, in-memory) into a module by state-dict key, and exports a module's state dict as a
/// safetensors file with the reference names, which DnS.Core's networks load directly.
/// </summary>
public static class ModuleWeights
{
    private const string BatchCounterSuffix = StateDictKeys.BatchesTracked;

    /// <summary>
    /// Copies every state-dict entry of <paramref name="module"/> from <paramref name="source"/>, checking each shape.
    /// Like PyTorch's strict <c>load_state_dict</c>, tensors the module does not have are an error when
    /// <paramref name="strict"/>; a missing BatchNorm <c>num_batches_tracked</c> is tolerated (older checkpoints lack it).
    /// </summary>
    /// <exception cref="WeightsFormatException">A tensor is missing, has another shape or dtype, or is unexpected; the message names the file, the tensor and both shapes.</exception>
    public static void LoadWeights(this nn.Module module, ITensorSource source, bool strict = true)
    {
        var state = module.state_dict();
        if (strict)
        {
            var unexpected = source.Tensors.Keys.Where(k => !state.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
            if (unexpected.Count > 0)
                throw new WeightsFormatException(source.SourceName,
                    $"unexpected tensors for {module.GetName()}: {string.Join(", ", unexpected)}", unexpected[0]);
        }
        using var noGrad = no_grad();
        foreach (var (name, tensor) in state)
        {
            if (!source.Tensors.TryGetValue(name, out var info))
            {
                if (name.EndsWith(BatchCounterSuffix, StringComparison.Ordinal)) continue;
                throw new WeightsFormatException(source.SourceName, $"missing tensor '{name}'", name);
            }
            source.CheckShape(info, ToInt32(tensor.shape));
            using var value = tensor.dtype switch
            {
                ScalarType.Float32 => torch.tensor(source.ReadFloats(name), tensor.shape),
                ScalarType.Int64 => torch.tensor(source.ReadInt64(name), tensor.shape),
                _ => throw new WeightsFormatException(source.SourceName, $"tensor '{name}': module dtype {tensor.dtype} is not supported", name),
            };
            tensor.copy_(value);
        }
    }

    /// <summary>
    /// Adds every state-dict entry of <paramref name="module"/> (parameters and buffers, BatchNorm running statistics
    /// included; float tensors as F32, <c>num_batches_tracked</c> as I64) to a writer under its reference name.
    /// </summary>
    public static SafeTensorsWriter AddStateDict(this SafeTensorsWriter writer, nn.Module module)
    {
        foreach (var (name, tensor) in module.state_dict())
        {
            using var cpu = tensor.detach().cpu().contiguous();
            int[] shape = ToInt32(cpu.shape);
            switch (cpu.dtype)
            {
                case ScalarType.Float32:
                    writer.Add(name, cpu.data<float>().ToArray(), shape);
                    break;
                case ScalarType.Int64:
                    writer.Add(name, cpu.data<long>().ToArray(), shape);
                    break;
                default:
                    throw new NotSupportedException($"tensor '{name}' of {module.GetName()} has dtype {cpu.dtype}; only float32 and int64 export");
            }
        }
        return writer;
    }

    /// <summary>Writes the module's state dict to a safetensors file (atomically) with the reference names.</summary>
    public static Task ExportSafeTensorsAsync(this nn.Module module, string path, CancellationToken cancellationToken = default)
        => new SafeTensorsWriter().AddStateDict(module).WriteAsync(path, cancellationToken);

    private static int[] ToInt32(long[] shape)
    {
        var result = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++) result[i] = checked((int)shape[i]);
        return result;
    }
}
