using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RealisticCorpus;

/// <summary>One copy's relation to its query, as written to <c>edits.json</c>.</summary>
/// <param name="Id">The copy.</param>
/// <param name="Query">Its query.</param>
/// <param name="Edit">Edit kind.</param>
/// <param name="Label">FIVR label (ND, DS, CS, IS).</param>
/// <param name="Category">Footage category of the query.</param>
internal sealed record CopyLabel(string Id, string Query, string Edit, string Label, string Category);

/// <summary>Writes the label and manifest files of a corpus. Every list is in a fixed (ordinal) order.</summary>
internal static class CorpusFiles
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private static readonly string[] Labels = ["ND", "DS", "CS", "IS"];

    /// <summary>
    /// plan.json (the whole edit list), annotation.json (FIVR format), edits.json (per-copy labels), queries.txt,
    /// dataset.txt and manifest.json (packages, versions, licenses, files).
    /// </summary>
    public static async Task WriteAsync(string output, string cache, CorpusPlan plan, CancellationToken ct)
    {
        Directory.CreateDirectory(output);
        await WriteJsonAsync(Path.Combine(output, "plan.json"), new
        {
            plan.Seed, plan.Fps, plan.Width, plan.Height,
            Sources = plan.Sources.Select(s => new { s.Id, s.Package, s.RelativePath, s.Category, s.Group, s.Width, s.Height, s.Duration }),
            plan.Clips,
        }, ct).ConfigureAwait(false);

        var queries = plan.Clips.Where(c => c.Role == "query").Select(c => c.Id).Order(StringComparer.Ordinal).ToArray();
        var copies = plan.Clips.Where(c => c.Role == "copy")
            .Select(c => new CopyLabel(c.Id, c.Query!, c.Edit, c.Label!, c.Category))
            .OrderBy(c => c.Id, StringComparer.Ordinal).ToArray();
        var annotation = new Dictionary<string, Dictionary<string, string[]>>();
        foreach (var q in queries)
        {
            var labels = new Dictionary<string, string[]>();
            foreach (var label in Labels)
            {
                var ids = copies.Where(c => c.Query == q && c.Label == label).Select(c => c.Id).ToArray();
                if (ids.Length > 0) labels[label] = ids;
            }
            annotation[q] = labels;
        }
        await WriteJsonAsync(Path.Combine(output, "annotation.json"), annotation, ct, camelCase: false).ConfigureAwait(false);
        await WriteJsonAsync(Path.Combine(output, "edits.json"), copies, ct).ConfigureAwait(false);
        await File.WriteAllLinesAsync(Path.Combine(output, "queries.txt"), queries, ct).ConfigureAwait(false);
        await File.WriteAllLinesAsync(Path.Combine(output, "dataset.txt"),
            plan.Clips.Select(c => c.Id).Order(StringComparer.Ordinal), ct).ConfigureAwait(false);

        var usedSources = plan.Clips.Select(c => c.Source).Concat(plan.Clips.SelectMany(c => c.Parameters.Where(p => p.Key == "logo").Select(p => p.Value)))
            .Where(s => s is not null).ToHashSet(StringComparer.Ordinal);
        await WriteJsonAsync(Path.Combine(output, "manifest.json"), new
        {
            Note = "Sources: Debian bookworm packages fetched with 'apt-get download' and unpacked with 'dpkg -x'. Licenses are the " +
                   "License: fields of each package's DEP-5 copyright file (the file itself is under usr/share/doc/<package>/copyright).",
            Packages = plan.Sources.GroupBy(s => s.Package).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new
            {
                Package = g.Key,
                g.First().Version,
                Licenses = SourcePackages.Licenses(cache, g.Key),
                Copyright = $"usr/share/doc/{g.Key}/copyright",
                Files = g.Where(s => usedSources.Contains(s.Id) || s.Category == SourceCategory.Font)
                    .Select(s => new { s.Id, s.RelativePath, s.Category }),
            }),
        }, ct).ConfigureAwait(false);
    }

    public static async Task<IReadOnlyList<CopyLabel>> LoadCopiesAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<CopyLabel[]>(stream, Json, ct).ConfigureAwait(false)
               ?? throw new InvalidDataException($"{path}: expected a JSON array of copy labels");
    }

    private static async Task WriteJsonAsync<T>(string path, T value, CancellationToken ct, bool camelCase = true)
    {
        var options = camelCase ? Json : new JsonSerializerOptions(Json) { PropertyNamingPolicy = null };
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
            await JsonSerializer.SerializeAsync(stream, value, options, ct).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }
}
