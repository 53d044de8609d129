using System.Reflection;

namespace DnS.Core.Tests;

/// <summary>Locates <c>../shared</c> (golden vectors, FIVR data) beside the checkout; never copied into the repo.</summary>
internal static class SharedData
{
    public static string Root { get; } = Path.GetFullPath(
        typeof(SharedData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "SharedDataDir").Value!);

    public static string Golden(string file) => Path.Combine(Root, "golden", file);

    /// <summary>The tiny CLIP of ../shared/golden-text (tokenizer cases, ONNX towers, images, embeddings).</summary>
    public static string GoldenText(string file = "") => Path.Combine(Root, "golden-text", file);
}
