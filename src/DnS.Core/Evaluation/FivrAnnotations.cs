using System.Text.Json;

namespace DnS.Core.Evaluation;

/// <summary>
/// FIVR-200K ground truth: for each query (in file order) a map from label (ND, DS, CS, IS, DA) to video ids.
/// </summary>
public sealed class FivrAnnotations
{
    private FivrAnnotations(IReadOnlyList<(string Query, IReadOnlyDictionary<string, string[]> Labels)> queries) => Queries = queries;

    /// <summary>Queries in annotation-file order, each with its label → ids lists.</summary>
    public IReadOnlyList<(string Query, IReadOnlyDictionary<string, string[]> Labels)> Queries { get; }

    /// <summary>Reads the official <c>annotation.json</c> format <c>{query: {label: [ids]}}</c>.</summary>
    /// <exception cref="InvalidDataException">The file is not in that format.</exception>
    public static async Task<FivrAnnotations> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = File.OpenRead(path);
        await using var streamDisposal = stream.ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: annotations must be a JSON object {{query: {{label: [ids]}}}}");
        var queries = new List<(string, IReadOnlyDictionary<string, string[]>)>();
        foreach (var query in doc.RootElement.EnumerateObject())
        {
            if (query.Value.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: query '{query.Name}' must map labels to id lists");
            var labels = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var label in query.Value.EnumerateObject())
                labels[label.Name] = label.Value.EnumerateArray().Select(id => id.GetString() ?? "").ToArray();
            queries.Add((query.Name, labels));
        }
        return new FivrAnnotations(queries);
    }
}
