using DnS.Core.Networks;
using DnS.Training.Data;
using DnS.Training.Teachers;

namespace DnS.Cli.Training;

/// <summary>
/// Parses teacher specifications: <c>chamfer</c> (parameter-free region chamfer), <c>whitened[:N]</c> (the region chamfer
/// of region vectors PCA-whitened on the corpus, N dimensions kept, default D), <c>visil:&lt;weights&gt;</c> (a ViSiL
/// head, e.g. one trained by <c>dns-train train teacher</c>) and <c>student:&lt;models-dir or weights&gt;</c> (a trained fine
/// student, for re-distillation).
/// </summary>
internal static class TeacherSpecs
{
    public const string Help = "chamfer | whitened | whitened:N | visil:WEIGHTS | student:MODELS-DIR";

    /// <exception cref="ArgumentException">An unknown kind, or a missing file.</exception>
    public static IReadOnlyList<IPairTeacher> Parse(IReadOnlyList<string> specs, IRegionFeatureSource features)
    {
        var teachers = new List<IPairTeacher>();
        foreach (var spec in specs)
        {
            int colon = spec.IndexOf(':');
            string kind = colon < 0 ? spec : spec[..colon], path = colon < 0 ? "" : spec[(colon + 1)..];
            string name = Unique(teachers, path.Length == 0 ? kind : $"{kind}({Path.GetFileNameWithoutExtension(path.TrimEnd('/'))})");
            teachers.Add(kind switch
            {
                "chamfer" when path.Length == 0 => ChamferTeacher.For(features, name),
                "whitened" => WhitenedTeacher.Fit(features, path.Length == 0 ? null : Components(spec, path), name: name),
                "visil" when File.Exists(path) => NetworkTeacher.LoadViSiL(name, path, new ViSiLTeacherConfig { Regions = features.Regions }),
                "student" when Directory.Exists(path) => Student(name, path),
                "student" when File.Exists(path) => NetworkTeacher.LoadStudent(name, path, new FineGrainedStudentConfig { Regions = features.Regions, Dims = features.Dims }),
                "chamfer" or "visil" or "student" => throw new ArgumentException($"teacher '{spec}': {(path.Length == 0 ? "needs a path" : $"no such file or folder: {path}")}"),
                _ => throw new ArgumentException($"unknown teacher '{spec}' (expected {Help})"),
            });
        }
        return teachers;
    }

    private static int Components(string spec, string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n >= 1 ? n
        : throw new ArgumentException($"teacher '{spec}': the whitened dimensions must be a positive integer");

    // A model folder names its fine student and how to build it.
    private static NetworkTeacher Student(string name, string directory)
    {
        var config = DnsModels.ReadConfig(directory);
        return NetworkTeacher.LoadStudent(name, Path.Combine(directory, config.FineWeights), config.Fine);
    }

    private static string Unique(List<IPairTeacher> teachers, string name)
    {
        string candidate = name;
        for (int n = 2; teachers.Any(t => t.Name == candidate); n++) candidate = $"{name}#{n}";
        return candidate;
    }
}
