using System.Reflection;
using System.Text.Json;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Storage;
using DnS.Cluster.Host;

namespace DnS.Cluster.Tests;

/// <summary>The golden networks of ../shared/golden (official sizes, seeded weights: coarse student, binary fine student,
/// selector) as a model folder with its dns-models.json, the way a silo loads them; and records generated for them.</summary>
internal static class GoldenModels
{
    private static readonly Lazy<string> LazyFolder = new(CreateFolder);
    private static readonly Lazy<DnsModels> LazyModels = new(() => DnsModels.Load(Folder));

    public static string Folder => LazyFolder.Value;

    public static DnsModels Models => LazyModels.Value;

    public static StoreSchema Schema => VideoRecordFactory.SchemaOf(Models);

    /// <summary>Generated records v{first}..: 3 frames each (small, so tests stay fast).</summary>
    public static VideoRecord[] Records(int count, int seed = 5, int first = 0) =>
        [.. Enumerable.Range(first, count).Select(n => SyntheticRecords.Create(Schema, seed, n, frames: 3))];

    public static string Golden(string file) => Path.Combine(
        typeof(GoldenModels).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SharedDataDir").Value!, "golden", file);

    private static string CreateFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dns-cluster-models-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        foreach (var file in new[] { "cg_student.weights.safetensors", "fg_bin_student.weights.safetensors", "selector.weights.safetensors" })
            File.Copy(Golden(file), Path.Combine(folder, file), overwrite: true);
        var config = new DnsModelsConfig
        {
            CoarseWeights = "cg_student.weights.safetensors",
            Coarse = new CoarseGrainedStudentConfig { TransformerHeads = 8 },
            FineWeights = "fg_bin_student.weights.safetensors",
            SelectorWeights = "selector.weights.safetensors",
        };
        File.WriteAllText(Path.Combine(folder, DnsModels.ConfigFileName), JsonSerializer.Serialize(config, DnsModels.JsonOptions));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        return folder;
    }
}
