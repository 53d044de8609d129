using System.Text.Json;

namespace DnS.Core.Evaluation;

/// <summary>
/// Captions of videos for text-to-video evaluation: every sentence is a query whose one relevant video is the one it
/// describes. Reads the common forms (<see cref="LoadAsync"/>): a JSON object <c>{video_id: [sentence, ...]}</c>, an
/// MSR-VTT annotation file (<c>{"sentences": [{"video_id": ..., "caption": ...}]}</c>) or a VATEX one
/// (<c>[{"videoID": ..., "enCap": [...]}]</c>).
/// </summary>
public sealed class VideoCaptions
{
    private readonly List<(string VideoId, string Sentence)> _pairs;

    /// <summary>Creates captions from (video id, sentence) pairs, in their order.</summary>
    public VideoCaptions(IEnumerable<(string VideoId, string Sentence)> pairs) => _pairs = [.. pairs];

    /// <summary>Every (video id, sentence) pair in file order.</summary>
    public IReadOnlyList<(string VideoId, string Sentence)> Pairs => _pairs;

    /// <summary>Reads a captions file in one of the forms of the type remarks.</summary>
    /// <exception cref="InvalidDataException">The file is none of them; the message names it and what is wrong.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static async Task<VideoCaptions> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = File.OpenRead(path);
        await using var streamDisposal = stream.ConfigureAwait(false);
        JsonDocument document;
        try { document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a JSON captions file: {e.Message}", e); }
        using (document)
        {
            var pairs = new List<(string, string)>();
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sentences", out var sentences) && sentences.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in sentences.EnumerateArray())
                    pairs.Add((Text(s, "video_id", path), Text(s, "caption", path)));
            }
            else if (root.ValueKind == JsonValueKind.Array)
            {
                foreach (var video in root.EnumerateArray())
                    foreach (var sentence in Sentences(video.ValueKind == JsonValueKind.Object && video.TryGetProperty("enCap", out var caps) ? caps : default, path, "enCap"))
                        pairs.Add((Text(video, "videoID", path), sentence));
            }
            else if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var video in root.EnumerateObject())
                    foreach (var sentence in Sentences(video.Value, path, video.Name))
                        pairs.Add((video.Name, sentence));
            }
            else
            {
                throw new InvalidDataException($"{path}: captions must be {{video_id: [sentences]}}, an MSR-VTT or a VATEX annotation file");
            }
            if (pairs.Count == 0) throw new InvalidDataException($"{path}: the file holds no captions");
            return new VideoCaptions(pairs);
        }
    }

    private static string Text(JsonElement element, string name, string path) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"{path}: an entry has no string '{name}'");

    private static IEnumerable<string> Sentences(JsonElement list, string path, string what) =>
        list.ValueKind == JsonValueKind.Array && list.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String)
            ? list.EnumerateArray().Select(s => s.GetString()!).ToList()
            : throw new InvalidDataException($"{path}: the captions of '{what}' must be a list of sentences");
}
