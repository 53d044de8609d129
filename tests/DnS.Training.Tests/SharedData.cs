using System.Reflection;

namespace DnS.Training.Tests;

/// <summary>Locates <c>../shared</c> (golden vectors) beside the checkout; never copied into the repo.</summary>
internal static class SharedData
{
    public static string Root { get; } = Path.GetFullPath(
        typeof(SharedData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "SharedDataDir").Value!);

    public static string Golden(string file) => Path.Combine(Root, "golden", file);
}
