using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Decoding;

namespace DnS.Core.Text;

/// <summary>
/// A CLIP-style dual encoder brought by the user: a folder with <c>config.json</c>, a text tower and a vision tower in
/// ONNX and CLIP's BPE vocabulary (the layout of ../shared/golden-text, docs/text-search.md). Embeds texts and
/// images or video frames into one space, L2-normalized, so a dot product is the cosine similarity.
/// </summary>
/// <remarks>Not safe for concurrent calls; open one per thread.</remarks>
public sealed class ClipModel : IDisposable
{
    private readonly ClipModelOptions _options;
    private readonly OnnxEmbeddingTower _text;
    private readonly OnnxEmbeddingTower _vision;
    private readonly VideoFrameDecoder _decoder;

    private ClipModel(string folder, ClipFolderConfig config, ClipModelOptions options)
    {
        _options = options;
        Folder = folder;
        LogitScale = config.LogitScale;
        _text = OnnxEmbeddingTower.OpenText(config.TextModel, options.Runtime, config.TextInput, config.TextOutput);
        try
        {
            _vision = OnnxEmbeddingTower.OpenVision(config.VisionModel, options.Runtime, config.VisionInput, config.VisionOutput);
            int context = _text.InputDimensions[1] > 0 ? _text.InputDimensions[1] : config.ContextLength;
            Tokenizer = ClipTokenizer.Load(config.Vocabulary, context);
            if (_vision.Dimension != _text.Dimension)
                throw new ClipModelException(config.VisionModel, $"embeds into {_vision.Dimension} dimensions but the text tower {config.TextModel} into {_text.Dimension}.");
            int[] pixels = _vision.InputDimensions;
            if ((pixels[2] > 0 && pixels[2] != config.CropSize) || (pixels[3] > 0 && pixels[3] != config.CropSize))
                throw new ClipModelException(config.VisionModel, $"takes {pixels[2]}×{pixels[3]} images but {Path.Combine(folder, ClipFolderConfig.FileName)} crops {config.CropSize}×{config.CropSize}.");
            FrameDecoding = new VideoDecodingOptions
            {
                Resize = ResizeMethod.Pillow,
                ResizeShortSide = config.ResizeShortSide,
                CropSize = config.CropSize,
                Mean = config.Mean,
                Std = config.Std,
                FramesPerSecond = options.FramesPerSecond,
                BatchSize = options.BatchSize,
                FfmpegFolder = options.FfmpegFolder,
            };
            _decoder = new VideoFrameDecoder(FrameDecoding);
        }
        catch
        {
            _text.Dispose();
            _vision?.Dispose();
            throw;
        }
    }

    /// <summary>The model folder.</summary>
    public string Folder { get; }

    /// <summary>The tokenizer of the text tower.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <summary>Embedding width D shared by both towers.</summary>
    public int EmbeddingDimension => _text.Dimension;

    /// <summary>CLIP's logit scale (100 for trained OpenAI models) from config.json, or null when it gives none; it scales scores, never changes a ranking.</summary>
    public float? LogitScale { get; }

    /// <summary>The execution provider the towers run on.</summary>
    public BackboneExecutionProvider ExecutionProvider => _text.ExecutionProvider;

    /// <summary>Why CUDA was asked for but the CPU is used; null when no fallback happened.</summary>
    public string? ProviderFallbackReason => _text.ProviderFallbackReason;

    /// <summary>How frames are decoded and preprocessed for the vision tower (CLIP's: Pillow bicubic, center crop, CLIP mean/std).</summary>
    public VideoDecodingOptions FrameDecoding { get; }

    /// <summary>Opens and checks a CLIP model folder.</summary>
    /// <param name="folder">Folder with config.json, the towers and the vocabulary it names.</param>
    /// <param name="options">Threads, execution provider, batch size; defaults when null.</param>
    /// <exception cref="ClipModelException">A file is missing or unusable; the message names it.</exception>
    public static ClipModel Open(string folder, ClipModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= new ClipModelOptions();
        options.Validate();
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
            throw new ClipModelException(folder, "is not a folder.");
        return new ClipModel(folder, ClipFolderConfig.Read(folder), options);
    }

    /// <summary>Embeds <paramref name="texts"/>: a row-major [texts, D] matrix of L2-normalized rows.</summary>
    public float[] EncodeText(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var embeddings = new float[texts.Count * EmbeddingDimension];
        EncodeText(texts, embeddings);
        return embeddings;
    }

    /// <summary>Embeds <paramref name="texts"/> into <paramref name="embeddings"/> ([texts, D], L2-normalized rows).</summary>
    /// <exception cref="ArgumentException"><paramref name="embeddings"/> is shorter than texts × D.</exception>
    public void EncodeText(IReadOnlyList<string> texts, Span<float> embeddings)
    {
        ArgumentNullException.ThrowIfNull(texts);
        RequireRows(texts.Count, embeddings.Length, nameof(embeddings));
        int context = Tokenizer.ContextLength, batch = _options.BatchSize;
        long[] ids = new long[Math.Min(batch, texts.Count) * context];
        int[] lengths = new int[Math.Min(batch, texts.Count)];
        for (int first = 0; first < texts.Count; first += batch)
        {
            int count = Math.Min(batch, texts.Count - first);
            for (int t = 0; t < count; t++)
                lengths[t] = Tokenizer.Tokenize(texts[first + t], ids.AsSpan(t * context, context));
            Span<float> rows = embeddings.Slice(first * EmbeddingDimension, count * EmbeddingDimension);
            _text.RunText(ids, lengths, count, context, rows);
            NormalizeRows(rows);
        }
    }

    /// <summary>
    /// Embeds preprocessed frames (NCHW, as <see cref="FrameDecoding"/> makes them) into <paramref name="embeddings"/>
    /// ([frames, D], L2-normalized rows).
    /// </summary>
    /// <exception cref="ArgumentException">The batch does not fit the vision tower or <paramref name="embeddings"/> is too short.</exception>
    public void EncodeImages(FrameBatch frames, Span<float> embeddings)
    {
        RequireRows(frames.Count, embeddings.Length, nameof(embeddings));
        int size = FrameDecoding.CropSize;
        if (frames.Count < 1 || frames.Height != size || frames.Width != size || frames.Pixels.Length < frames.Count * 3 * size * size)
            throw new ArgumentException(
                $"the vision tower takes [N, 3, {size}, {size}] frames; the batch is [{frames.Count}, 3, {frames.Height}, {frames.Width}] with {frames.Pixels.Length} floats.", nameof(frames));
        int batch = _options.BatchSize, plane = 3 * size * size;
        for (int first = 0; first < frames.Count; first += batch)
        {
            int count = Math.Min(batch, frames.Count - first);
            Span<float> rows = embeddings.Slice(first * EmbeddingDimension, count * EmbeddingDimension);
            _vision.RunVision(frames.Pixels.Slice(first * plane, count * plane), count, size, size, rows);
            NormalizeRows(rows);
        }
    }

    /// <summary>
    /// Decodes an image or a video with ffmpeg (a still image is one frame, a video is sampled at
    /// <see cref="ClipModelOptions.FramesPerSecond"/>), preprocesses as CLIP and embeds every frame: a row-major
    /// [frames, D] matrix of L2-normalized rows.
    /// </summary>
    /// <param name="path">The image or video file.</param>
    /// <param name="progress">Receives the number of frames embedded so far; may be null.</param>
    /// <param name="cancellationToken">Stops decoding and embedding.</param>
    /// <exception cref="VideoDecodingException">The file cannot be decoded; the message names it.</exception>
    public async Task<float[]> EncodeFileAsync(string path, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        float[] rows = new float[_options.BatchSize * EmbeddingDimension];
        int frames = 0;
        await foreach (FrameBatch batch in _decoder.DecodeAsync(path, cancellationToken).ConfigureAwait(false))
        {
            if ((frames + batch.Count) * EmbeddingDimension > rows.Length)
                Array.Resize(ref rows, Math.Max(2 * rows.Length, (frames + batch.Count) * EmbeddingDimension));
            EncodeImages(batch, rows.AsSpan(frames * EmbeddingDimension, batch.Count * EmbeddingDimension));
            frames += batch.Count;
            progress?.Report(frames);
        }

        return rows[..(frames * EmbeddingDimension)];
    }

    /// <summary>Releases both ONNX Runtime sessions.</summary>
    public void Dispose()
    {
        _text.Dispose();
        _vision.Dispose();
    }

    internal OnnxEmbeddingTower TextTower => _text;

    internal OnnxEmbeddingTower VisionTower => _vision;

    private void NormalizeRows(Span<float> rows)
    {
        for (int r = 0; r < rows.Length; r += EmbeddingDimension)
            L2Normalization.Normalize(rows.Slice(r, EmbeddingDimension));
    }

    private void RequireRows(int count, int length, string name)
    {
        if (length < count * EmbeddingDimension)
            throw new ArgumentException($"{count} embeddings of {EmbeddingDimension} floats need {count * EmbeddingDimension}; the destination holds {length}.", name);
    }
}
