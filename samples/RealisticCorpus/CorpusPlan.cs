using System.Text.Json.Serialization;

namespace RealisticCorpus;

/// <summary>How the virtual camera moves over a still image.</summary>
internal enum MotionStyle
{
    /// <summary>Ken Burns: one smooth pan and zoom.</summary>
    Pan,
    /// <summary>A hand-held camera: a smooth path with shake and zoom breathing.</summary>
    Handheld,
    /// <summary>A screen recording: holds on areas of the screen with quick zooms between them.</summary>
    Screen,
    /// <summary>Game map scrolling: several constant-zoom moves.</summary>
    Scroll,
}

/// <summary>A keyframe of the virtual camera: window center (fractions of the 16:9 canvas) and zoom (1 = whole canvas).</summary>
/// <param name="Frame">Output frame at which the camera is here.</param>
/// <param name="Smooth">Whether the move from this keyframe to the next eases in and out (otherwise linear).</param>
internal sealed record Keyframe(int Frame, double X, double Y, double Zoom, bool Smooth);

/// <summary>Camera shake: two sines per axis (amplitude as a fraction of the canvas, angular frequency per frame, phase).</summary>
internal sealed record Shake(double Amplitude, double[] Frequencies, double[] Phases);

/// <summary>The camera path over a still image.</summary>
internal sealed record Motion(MotionStyle Style, IReadOnlyList<Keyframe> Keyframes, Shake? Shake);

/// <summary>
/// One library clip. Rendered either from a source file (<see cref="Source"/> with <see cref="Motion"/> for a still
/// image, or a transcode of a source video), or as an edit of another clip (<see cref="From"/>).
/// </summary>
/// <param name="Id">Library id (the file name without extension; opaque, so names reveal no label).</param>
/// <param name="Role">query, distractor or copy.</param>
/// <param name="Category">photo, camera, screencast, animation or game (of the footage it shows).</param>
/// <param name="Query">For a copy: the query it is a copy of.</param>
/// <param name="Edit">original for queries and distractors; otherwise the edit kind (see <see cref="EditKinds"/>).</param>
/// <param name="Label">For a copy: its FIVR label towards <see cref="Query"/> (ND, DS, CS or IS).</param>
/// <param name="Extension">Container (file extension).</param>
/// <param name="Duration">Seconds of footage rendered from the source (for edits: of the clip edited).</param>
/// <param name="Parameters">Edit parameters, invariant strings.</param>
internal sealed record ClipPlan(
    string Id,
    string Role,
    string Category,
    string? Query,
    string Edit,
    string? Label,
    string Extension,
    double Duration,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Source,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Motion? Motion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Background,
    SortedDictionary<string, string> Parameters)
{
    /// <summary>The file name in the videos folder.</summary>
    public string FileName => $"{Id}.{Extension}";
}

/// <summary>The whole corpus: sources and clips, in render order (sources before the edits that use them).</summary>
internal sealed record CorpusPlan(int Seed, int Fps, int Width, int Height, IReadOnlyList<SourceFile> Sources, IReadOnlyList<ClipPlan> Clips);

/// <summary>The edits that make near-duplicate (ND) copies, and the labels of the other relations.</summary>
internal static class EditKinds
{
    /// <summary>Near-duplicate edits; each query gets a balanced share of them.</summary>
    public static readonly string[] NearDuplicate =
    [
        "crop", "flip", "gray", "fps", "speed", "bitrate", "logo", "text", "rotate",
        "inset4", "inset9", "inset16", "mkv", "webm", "avi", "ogv", "gif", "combo",
    ];

    /// <summary>A sub-clip of the query (duplicate scene, DS).</summary>
    public const string Partial = "partial";

    /// <summary>Another camera path over the same image that overlaps the query's (complementary scene, CS).</summary>
    public const string OverlappingView = "overlap-view";

    /// <summary>Another camera path over a part of the same image the query never shows (incident scene, IS).</summary>
    public const string DisjointView = "disjoint-view";
}

/// <summary>SplitMix64: a tiny generator whose sequence is fixed forever, so a seed always gives the same plan.</summary>
internal sealed class SplitMix(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Range(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform in [0, n).</summary>
    public int Below(int n) => (int)(Next() % (ulong)n);

    public T Pick<T>(IReadOnlyList<T> items) => items[Below(items.Count)];

    /// <summary>Fisher–Yates shuffle into a new array.</summary>
    public T[] Shuffle<T>(IEnumerable<T> items)
    {
        var a = items.ToArray();
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = Below(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
        return a;
    }
}
