using System.Text.Json;
using DnS.Core.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DnS.Training.Weights;

/// <summary>
/// A training checkpoint on disk: the module's weights (reference names), the optimizer's state and a small JSON state
/// of the trainer. Written beside the target and renamed into place, so a crash mid-write leaves the previous
/// checkpoint whole.
/// </summary>
public static class CheckpointFolder
{
    /// <summary>The module's weights in a checkpoint folder (reference names).</summary>
    public const string WeightsFileName = "weights.safetensors";

    /// <summary>The optimizer's state (TorchSharp's format: exp_avg, exp_avg_sq, step per parameter for Adam).</summary>
    public const string OptimizerFileName = "optimizer.bin";

    /// <summary>The trainer's step counter and the run settings its data order depends on.</summary>
    public const string StateFileName = "trainer.json";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Replaces the checkpoint in <paramref name="directory"/> with the current weights, optimizer state and <paramref name="state"/>.</summary>
    public static void Save<TState>(string directory, nn.Module module, OptimizerHelper optimizer, TState state)
    {
        string full = Path.GetFullPath(directory);
        string partial = full + ".partial";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Directory.CreateDirectory(partial);
        module.ExportSafeTensorsAsync(Path.Combine(partial, WeightsFileName)).GetAwaiter().GetResult();
        optimizer.save_state_dict(Path.Combine(partial, OptimizerFileName));
        File.WriteAllText(Path.Combine(partial, StateFileName), JsonSerializer.Serialize(state, JsonOptions));
        if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
        Directory.Move(partial, full);
    }

    /// <summary>Whether <paramref name="directory"/> holds a complete checkpoint.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, StateFileName));

    /// <summary>
    /// Resumes from the checkpoint in <paramref name="directory"/> through <paramref name="load"/> (a trainer's
    /// <c>LoadCheckpoint</c>). A checkpoint the trainer refuses as another run's (<see cref="InvalidOperationException"/>:
    /// other seed, data or labels) cannot continue this one: it is deleted, so the run trains from the start.
    /// </summary>
    /// <param name="directory">The checkpoint folder, or null when the run keeps none.</param>
    /// <param name="load">Loads a checkpoint folder into the trainer.</param>
    /// <param name="discarded">Why a checkpoint was deleted; null when none was.</param>
    /// <returns>Whether the trainer now continues from a checkpoint.</returns>
    public static bool TryResume(string? directory, Action<string> load, out string? discarded)
    {
        discarded = null;
        if (directory is null || !Exists(directory)) return false;
        try
        {
            load(directory);
            return true;
        }
        catch (InvalidOperationException e)
        {
            discarded = e.Message;
            Directory.Delete(directory, recursive: true);
            return false;
        }
    }

    /// <summary>The trainer state of the checkpoint in <paramref name="directory"/> (check it before <see cref="Restore"/>).</summary>
    /// <exception cref="InvalidOperationException">The state file is empty.</exception>
    /// <exception cref="JsonException">The state file is not this trainer's JSON.</exception>
    public static TState ReadState<TState>(string directory)
    {
        string path = Path.Combine(directory, StateFileName);
        return JsonSerializer.Deserialize<TState>(File.ReadAllText(path), JsonOptions) ?? throw new InvalidOperationException($"{path} is empty");
    }

    /// <summary>Loads the checkpoint's weights into <paramref name="module"/> and its state into <paramref name="optimizer"/>.</summary>
    /// <exception cref="WeightsFormatException">The weights do not fit the module.</exception>
    public static void Restore(string directory, nn.Module module, OptimizerHelper optimizer)
    {
        using (var weights = SafeTensorsFile.Open(Path.Combine(directory, WeightsFileName))) module.LoadWeights(weights);
        optimizer.load_state_dict(Path.Combine(directory, OptimizerFileName));
    }
}
