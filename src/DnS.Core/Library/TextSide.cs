using System.Text.Json;
using DnS.Core.Retrieval;
using DnS.Core.Storage;
using DnS.Core.Text;

namespace DnS.Core.Library;

/// <summary>
/// The text side of a library: the CLIP model that embeds frames and queries, and the <see cref="CompanionStore"/> in
/// the index subfolder <see cref="FolderName"/> that keeps, per video, the pooled video embedding (coarse, D floats)
/// and the frame embeddings (fine floats, T×1×D, 1 fps). The model is recorded in the main store's metadata under
/// <see cref="MetadataKey"/> (its folder and the SHA-256 of each of its files, verified at open).
/// </summary>
internal sealed class TextSide : ICompanionSide
{
    /// <summary>The metadata key (main store) of the text model's record.</summary>
    public const string MetadataKey = "dns.text";

    /// <summary>The companion store's subfolder of the index folder.</summary>
    public const string FolderName = "text";

    private readonly ClipModel _model;
    private readonly SemaphoreSlim _modelGate = new(1, 1);

    private TextSide(TextModelRecord record, ClipModel model, CompanionStore companion)
    {
        Record = record;
        _model = model;
        Companion = companion;
        Search = new TextSearchEngine(companion.Store, record.Temperature);
    }

    /// <summary>What the index records about the model.</summary>
    public TextModelRecord Record { get; }

    /// <summary>The store of the frame and pooled embeddings.</summary>
    public CompanionStore Companion { get; }

    /// <summary>The fast and slow stages over <see cref="Companion"/>.</summary>
    public TextSearchEngine Search { get; }

    /// <summary>The layout of the companion store for embeddings of <paramref name="dimension"/> floats.</summary>
    public static StoreSchema SchemaOf(int dimension) => new(dimension, FineFeatureKind.Float, 1, dimension);

    /// <summary>Opens the model folder and describes it (hashes every file the index depends on).</summary>
    /// <exception cref="ClipModelException">The folder is not a usable CLIP model; the message names the file.</exception>
    public static async Task<(TextModelRecord Record, ClipModel Model)> DescribeAsync(string modelFolder, CancellationToken cancellationToken)
    {
        var model = ClipModel.Open(modelFolder);
        try
        {
            var config = ClipFolderConfig.Read(model.Folder);
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var path in new[] { Path.Combine(model.Folder, ClipFolderConfig.FileName), config.TextModel, config.VisionModel, config.Vocabulary })
                files[Path.GetRelativePath(model.Folder, path)] = await LibraryProfile.HashAsync(path, cancellationToken).ConfigureAwait(false);
            return (new TextModelRecord { Folder = model.Folder, Files = files, Dimension = model.EmbeddingDimension, Temperature = 1f / (model.LogitScale ?? 100f) }, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Opens the text side of the index in <paramref name="indexFolder"/> that records <paramref name="json"/>.</summary>
    /// <exception cref="InvalidDataException">The record is malformed, or a model file changed since indexing.</exception>
    /// <exception cref="FileNotFoundException">A model file is missing.</exception>
    public static async Task<TextSide> OpenAsync(string indexFolder, string json, bool readOnly, CancellationToken cancellationToken)
    {
        var recorded = TextModelRecord.Parse(json, indexFolder);
        foreach (var (name, sha) in recorded.Files)
        {
            string path = Path.Combine(recorded.Folder, name);
            if (!File.Exists(path))
                throw new FileNotFoundException($"{indexFolder}: the text side was built with the CLIP model {recorded.Folder}, whose file {path} is missing; restore it or index with another --text-model into a new index", path);
            string actual = await LibraryProfile.HashAsync(path, cancellationToken).ConfigureAwait(false);
            if (actual != sha)
                throw new InvalidDataException($"{indexFolder}: the CLIP model file {path} changed since the index was built (SHA-256 {actual}, recorded {sha}); restore it or rebuild the index");
        }
        return await OpenAsync(indexFolder, recorded, ClipModel.Open(recorded.Folder), readOnly, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens (a writer: creates) the companion store for a described model; takes ownership of <paramref name="model"/>.</summary>
    public static async Task<TextSide> OpenAsync(string indexFolder, TextModelRecord record, ClipModel model, bool readOnly, CancellationToken cancellationToken)
    {
        try
        {
            if (model.EmbeddingDimension != record.Dimension)
                throw new InvalidDataException($"{indexFolder}: the text side holds {record.Dimension}-dimensional embeddings, the model {model.Folder} makes {model.EmbeddingDimension}");
            var companion = await CompanionStore.OpenAsync(Path.Combine(indexFolder, FolderName), SchemaOf(record.Dimension), readOnly, cancellationToken).ConfigureAwait(false);
            return new TextSide(record, model, companion);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The frame embeddings (T×D, 1 fps, L2-normalized) of a video file; one file at a time per model.</summary>
    /// <exception cref="Features.Decoding.VideoDecodingException">The file cannot be decoded.</exception>
    public async Task<float[]> EncodeFileAsync(string path, CancellationToken cancellationToken)
    {
        await _modelGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _model.EncodeFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _modelGate.Release();
        }
    }

    /// <inheritdoc/>
    public async Task<VideoRecord> ExtractRecordAsync(string id, string path, CancellationToken cancellationToken) =>
        CreateRecord(id, await EncodeFileAsync(path, cancellationToken).ConfigureAwait(false));

    /// <summary>Embeds text queries ([texts, D], L2-normalized rows).</summary>
    public float[] EncodeText(IReadOnlyList<string> texts)
    {
        _modelGate.Wait();
        try
        {
            return _model.EncodeText(texts);
        }
        finally
        {
            _modelGate.Release();
        }
    }

    /// <summary>The companion record of a video: pooled embedding as coarse, frame embeddings as fine floats.</summary>
    public VideoRecord CreateRecord(string id, float[] frames)
    {
        var pooled = new float[Record.Dimension];
        TextVideoScoring.PoolFrames(frames, pooled);
        return new VideoRecord(id, frames.Length / Record.Dimension, pooled, frames, ReadOnlyMemory<ulong>.Empty, float.NaN);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _model.Dispose();
        await Companion.DisposeAsync().ConfigureAwait(false);
        _modelGate.Dispose();
    }
}

/// <summary>What an index records about the CLIP model of its text side (JSON under <see cref="TextSide.MetadataKey"/>).</summary>
internal sealed record TextModelRecord
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Format version.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The model folder's full path.</summary>
    public required string Folder { get; init; }

    /// <summary>SHA-256 (hex) of each file the embeddings depend on, by path relative to <see cref="Folder"/>.</summary>
    public required SortedDictionary<string, string> Files { get; init; }

    /// <summary>Embedding width D.</summary>
    public required int Dimension { get; init; }

    /// <summary>The slow stage's softmax temperature τ = 1 / logit scale (0.01 when the model gives none).</summary>
    public required float Temperature { get; init; }

    /// <summary>Whether two records describe the same model by content (the folder may have moved).</summary>
    public bool SameModel(TextModelRecord other) =>
        Dimension == other.Dimension && Temperature == other.Temperature && Files.SequenceEqual(other.Files);

    /// <summary>The stored JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses the stored JSON.</summary>
    /// <exception cref="InvalidDataException">Malformed, or of a newer version.</exception>
    public static TextModelRecord Parse(string json, string where)
    {
        TextModelRecord? record;
        try { record = JsonSerializer.Deserialize<TextModelRecord>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: the text model record ({TextSide.MetadataKey}) is malformed: {e.Message}", e); }
        if (record is null || record.Version != 1 || record.Dimension < 1 || !(record.Temperature > 0))
            throw new InvalidDataException($"{where}: the text model record ({TextSide.MetadataKey}) is empty, invalid or of an unsupported version");
        return record;
    }

    /// <inheritdoc/>
    public override string ToString() => $"CLIP model {Folder} ({Dimension} dims)";
}
