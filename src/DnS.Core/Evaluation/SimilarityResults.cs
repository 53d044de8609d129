using System.Text.Json;

namespace DnS.Core.Evaluation;

/// <summary>
/// Retrieval results in the FIVR format <c>{query_id: {db_id: score}}</c>, keeping the file order of both
/// queries and entries: the official evaluation breaks score ties by file order.
/// </summary>
public sealed class SimilarityResults
{
    private readonly Dictionary<string, List<(string Id, double Score)>> _byQuery = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, int>> _positions = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Query ids in insertion (file) order.</summary>
    public IReadOnlyList<string> Queries => _order;

    /// <summary>The entries of a query in insertion order, or null when the query is absent.</summary>
    public IReadOnlyList<(string Id, double Score)>? this[string query] => _byQuery.GetValueOrDefault(query);

    /// <summary>Adds (or extends) a query's entries. A query may be added with no entries (an empty object).</summary>
    public void Add(string query, IEnumerable<(string Id, double Score)> entries)
    {
        if (!_byQuery.TryGetValue(query, out var list))
        {
            _byQuery[query] = list = [];
            _positions[query] = new Dictionary<string, int>(StringComparer.Ordinal);
            _order.Add(query);
        }
        var positions = _positions[query];
        foreach (var (id, score) in entries)
        {
            // Like a Python dict: a repeated key keeps its first position and takes the last value.
            if (positions.TryGetValue(id, out int existing)) list[existing] = (id, score);
            else
            {
                positions[id] = list.Count;
                list.Add((id, score));
            }
        }
    }

    /// <summary>Reads a results file, preserving member order.</summary>
    /// <exception cref="InvalidDataException">The file is not in the FIVR results format.</exception>
    public static async Task<SimilarityResults> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = File.OpenRead(path);
        await using var streamDisposal = stream.ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: results must be a JSON object {{query_id: {{db_id: score}}}}");
        var results = new SimilarityResults();
        foreach (var query in doc.RootElement.EnumerateObject())
        {
            if (query.Value.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: results of query '{query.Name}' must be an object {{db_id: score}}");
            var entries = new List<(string, double)>();
            foreach (var e in query.Value.EnumerateObject())
            {
                if (e.Value.ValueKind != JsonValueKind.Number)
                    throw new InvalidDataException($"{path}: score of '{e.Name}' for query '{query.Name}' is not a number");
                entries.Add((e.Name, e.Value.GetDouble()));
            }
            results.Add(query.Name, entries);
        }
        return results;
    }

    /// <summary>Writes the results in the FIVR format (atomically: temporary file, then rename).</summary>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        path = Path.GetFullPath(path);
        string temp = path + ".tmp-" + Environment.ProcessId;
        var stream = File.Create(temp);
        await using (stream.ConfigureAwait(false))
        {
            var json = new Utf8JsonWriter(stream);
            await using (json.ConfigureAwait(false))
            {
                json.WriteStartObject();
                foreach (var query in _order)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    json.WriteStartObject(query);
                    foreach (var (id, score) in _byQuery[query]) json.WriteNumber(id, score);
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
        }
        File.Move(temp, path, overwrite: true);
    }
}
