using System.Text.Json;

namespace DnS.Training.Tests;

/// <summary>The query/target pairs of the golden fine-grained and teacher cases, read from manifest.json.</summary>
internal static class GoldenPairs
{
    public static IReadOnlyList<(string Pair, string Query, string Target)> All { get; } = Read();

    public static IEnumerable<object[]> Indices() => Enumerable.Range(0, All.Count).Select(i => new object[] { i });

    private static List<(string, string, string)> Read()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(SharedData.Golden("manifest.json")));
        return manifest.RootElement.GetProperty("pairs").EnumerateArray()
            .Select(p => (p.GetProperty("pair").GetString()!, p.GetProperty("query").GetString()!, p.GetProperty("target").GetString()!))
            .ToList();
    }
}
