using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using DnS.Core.Features;
using DnS.Core.Features.BuiltIn;
using DnS.Core.Features.Extraction;
using DnS.Core.Kernels;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Core.Library;

/// <summary>
/// The inset side of a library (<see cref="VideoLibraryOptions.Insets"/>): per video what the inset stage
/// (<see cref="InsetStage"/>) needs to find the video shown shrunk inside another one, kept in a <see cref="CompanionStore"/>
/// in the index subfolder <see cref="FolderName"/>, and recorded in the main store's metadata under
/// <see cref="MetadataKey"/>. A record's coarse vector is the video's mean whole-frame descriptor (the family test); its
/// fine codes hold, per frame, one opaque byte payload of <see cref="InsetLayout.FrameBytes"/> bytes (the store keeps them
/// as a bit string): the <see cref="InsetFeatureExtractor"/> descriptors as int8 codes with one float scale per region,
/// then the <see cref="InsetThumbnailExtractor"/> luma as bytes (round(255·v)). That is 47 952 bytes per frame against
/// 190 464 as floats; docs/realistic-corpus.md measures that the stage ranks the same.
/// </summary>
internal sealed class InsetSide : ICompanionSide
{
    /// <summary>The metadata key (main store) of the inset side's layout.</summary>
    public const string MetadataKey = "dns.insets";

    /// <summary>The companion store's subfolder of the index folder.</summary>
    public const string FolderName = "insets";

    private readonly InsetFeatureExtractor _features = new();
    private readonly InsetThumbnailExtractor _thumbnails = new();

    private InsetSide(CompanionStore companion) => Companion = companion;

    /// <summary>The store of the payloads.</summary>
    public CompanionStore Companion { get; }

    /// <summary>The layout this version writes and reads.</summary>
    public static InsetLayout Layout { get; } = new();

    /// <summary>Opens (a writer: creates) the inset side of the index in <paramref name="indexFolder"/> that records <paramref name="json"/>.</summary>
    /// <exception cref="InvalidDataException">The record is malformed or of another layout.</exception>
    public static async Task<InsetSide> OpenAsync(string indexFolder, string json, bool readOnly, CancellationToken cancellationToken)
    {
        var recorded = InsetLayout.Parse(json, indexFolder);
        if (recorded != Layout)
            throw new InvalidDataException($"{indexFolder}: the inset side holds {recorded}, this version reads {Layout}; index into a new folder with --insets");
        var companion = await CompanionStore.OpenAsync(Path.Combine(indexFolder, FolderName), Layout.Schema, readOnly, cancellationToken).ConfigureAwait(false);
        return new InsetSide(companion);
    }

    /// <summary>The query-side features and thumbnails of a video file (both decoded at once, side by side).</summary>
    /// <exception cref="Features.Decoding.VideoDecodingException">The file cannot be decoded.</exception>
    public async Task<(RegionFeatures Features, RegionFeatures Thumbnails)> ExtractAsync(string path, CancellationToken cancellationToken)
    {
        var features = _features.ExtractAsync(path, cancellationToken);
        var thumbnails = _thumbnails.ExtractAsync(path, cancellationToken);
        await Task.WhenAll(features, thumbnails).ConfigureAwait(false);
        var (f, t) = (await features.ConfigureAwait(false), await thumbnails.ConfigureAwait(false));
        if (!InsetVerification.Fits(t, f))
            throw new Features.Decoding.VideoDecodingException(path, Features.Decoding.VideoDecodingFailure.Unreadable, $"{path}: the inset features ({f.Frames} frames) and thumbnails ({t.Frames} frames) sampled different frames");
        return (f, t);
    }

    /// <inheritdoc/>
    public async Task<VideoRecord> ExtractRecordAsync(string id, string path, CancellationToken cancellationToken)
    {
        var (features, thumbnails) = await ExtractAsync(path, cancellationToken).ConfigureAwait(false);
        return CreateRecord(id, features, thumbnails);
    }

    /// <summary>The companion record of a video: its mean whole-frame descriptor and one payload per frame.</summary>
    public static VideoRecord CreateRecord(string id, RegionFeatures features, RegionFeatures thumbnails)
    {
        var layout = Layout;
        var mean = new float[layout.Dimensions];
        InsetLibrary.WholeFrameMean(features, mean);
        var codes = new ulong[features.Frames * layout.FrameWords];
        var bytes = MemoryMarshal.AsBytes(codes.AsSpan());
        for (int t = 0; t < features.Frames; t++)
            layout.Encode(features.Values.AsSpan(t * layout.FeatureFloats, layout.FeatureFloats),
                thumbnails.Values.AsSpan(t * layout.ThumbnailPixels, layout.ThumbnailPixels), bytes.Slice(t * layout.FrameWords * sizeof(ulong), layout.FrameBytes));
        return new VideoRecord(id, features.Frames, mean, ReadOnlyMemory<float>.Empty, codes, float.NaN);
    }

    /// <summary>Decodes a stored record's features and thumbnails into new arrays (a query given by id).</summary>
    public static (RegionFeatures Features, RegionFeatures Thumbnails) Decode(VideoRecord record)
    {
        var layout = Layout;
        var features = new float[record.Frames * layout.FeatureFloats];
        var thumbnails = new float[record.Frames * layout.ThumbnailPixels];
        layout.DecodeFeatures(record, features);
        layout.DecodeThumbnails(record, thumbnails);
        return (layout.Features(features, record.Frames), layout.Thumbnails(thumbnails, record.Frames));
    }

    /// <summary>The stage over one snapshot of the companion (its live videos).</summary>
    public static InsetStage Stage(IVideoStoreView snapshot, InsetStageOptions? options = null) =>
        new(new StoredInsetLibrary(snapshot), options);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _features.Dispose();
        _thumbnails.Dispose();
        await Companion.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The videos of a companion snapshot, decoded on demand into the caller's buffers.</summary>
    private sealed class StoredInsetLibrary : InsetLibrary
    {
        private readonly VideoRecord[] _records;

        public StoredInsetLibrary(IVideoStoreView snapshot)
        {
            int d = Layout.Dimensions;
            Ids = [.. snapshot.Ids];
            _records = [.. Ids.Select(id => snapshot.TryGetRecord(id, out var r) ? r : throw new InvalidOperationException($"the inset side lost '{id}'"))];
            if (Ids.Length == 0) throw new InvalidOperationException("the inset side holds no video yet: index the library's videos again (dns index --insets)");
            Means = new float[Ids.Length * d];
            for (int v = 0; v < Ids.Length; v++) _records[v].Coarse.Span.CopyTo(Means.AsSpan(v * d, d));
        }

        public override string[] Ids { get; }

        public override float[] Means { get; }

        public override bool HasThumbnails => true;

        public override RegionFeatures Features(int v, Buffers buffers)
        {
            var record = _records[v];
            var values = buffers.ForFeatures(record.Frames * Layout.FeatureFloats);
            Layout.DecodeFeatures(record, values);
            return Layout.Features(values, record.Frames);
        }

        public override RegionFeatures Thumbnails(int v, Buffers buffers)
        {
            var record = _records[v];
            var values = buffers.ForThumbnails(record.Frames * Layout.ThumbnailPixels);
            Layout.DecodeThumbnails(record, values);
            return Layout.Thumbnails(values, record.Frames);
        }
    }
}

/// <summary>The layout of an inset side's per-frame payload (JSON under <see cref="InsetSide.MetadataKey"/>).</summary>
internal sealed record InsetLayout
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Format version.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Regions per frame of the features (the whole frame and the windows).</summary>
    public int Regions { get; init; } = InsetFeatureExtractor.WindowCount + 1;

    /// <summary>Floats per region descriptor.</summary>
    public int Dimensions { get; init; } = BuiltInFrameEncoder.Dimensions;

    /// <summary>The side of the squeezed frame the features describe.</summary>
    public int FeatureSide { get; init; } = InsetFeatureExtractor.Side;

    /// <summary>The side of the luma thumbnail.</summary>
    public int ThumbnailSide { get; init; } = InsetThumbnailExtractor.Side;

    /// <summary>Feature floats per frame (R·D).</summary>
    public int FeatureFloats => Regions * Dimensions;

    /// <summary>Thumbnail pixels per frame.</summary>
    public int ThumbnailPixels => ThumbnailSide * ThumbnailSide;

    /// <summary>Payload bytes per frame: R·D int8 codes, R float scales, the thumbnail's bytes.</summary>
    public int FrameBytes => FeatureFloats + Regions * sizeof(float) + ThumbnailPixels;

    /// <summary>Payload words per frame (the store's packed codes are ulongs).</summary>
    public int FrameWords => (FrameBytes + sizeof(ulong) - 1) / sizeof(ulong);

    /// <summary>The companion store's layout: the mean descriptor as coarse vector, one payload of FrameWords·64 bits per frame.</summary>
    public StoreSchema Schema => new(Dimensions, FineFeatureKind.Binary, 1, FrameWords * 64);

    /// <summary>Features over <paramref name="values"/> (which may be longer).</summary>
    public RegionFeatures Features(float[] values, int frames) => new(values, frames, Regions, Dimensions);

    /// <summary>Thumbnails over <paramref name="values"/> (which may be longer).</summary>
    public RegionFeatures Thumbnails(float[] values, int frames) => new(values, frames, 1, ThumbnailPixels);

    /// <summary>Writes one frame's payload.</summary>
    public void Encode(ReadOnlySpan<float> features, ReadOnlySpan<float> luma, Span<byte> payload)
    {
        var codes = MemoryMarshal.Cast<byte, sbyte>(payload[..FeatureFloats]);
        var scales = payload.Slice(FeatureFloats, Regions * sizeof(float));
        for (int r = 0; r < Regions; r++)
        {
            float scale = Int8Quantization.Quantize(features.Slice(r * Dimensions, Dimensions), codes.Slice(r * Dimensions, Dimensions));
            BinaryPrimitives.WriteSingleLittleEndian(scales[(r * sizeof(float))..], scale);
        }
        var pixels = payload.Slice(FeatureFloats + Regions * sizeof(float), ThumbnailPixels);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)Math.Clamp(MathF.Round(luma[i] * 255f), 0f, 255f);
    }

    /// <summary>Every frame's features of a stored record, dequantized into <paramref name="destination"/>.</summary>
    public void DecodeFeatures(VideoRecord record, Span<float> destination)
    {
        var bytes = MemoryMarshal.AsBytes(record.FineCodes.Span);
        for (int t = 0; t < record.Frames; t++)
        {
            var payload = bytes.Slice(t * FrameWords * sizeof(ulong), FrameBytes);
            var codes = MemoryMarshal.Cast<byte, sbyte>(payload[..FeatureFloats]);
            var frame = destination.Slice(t * FeatureFloats, FeatureFloats);
            for (int r = 0; r < Regions; r++)
            {
                float scale = BinaryPrimitives.ReadSingleLittleEndian(payload[(FeatureFloats + r * sizeof(float))..]);
                Int8Quantization.Dequantize(codes.Slice(r * Dimensions, Dimensions), scale, frame.Slice(r * Dimensions, Dimensions));
            }
        }
    }

    /// <summary>Every frame's thumbnail of a stored record, as luma in [0, 1], into <paramref name="destination"/>.</summary>
    public void DecodeThumbnails(VideoRecord record, Span<float> destination)
    {
        var bytes = MemoryMarshal.AsBytes(record.FineCodes.Span);
        int offset = FeatureFloats + Regions * sizeof(float);
        for (int t = 0; t < record.Frames; t++)
        {
            var pixels = bytes.Slice(t * FrameWords * sizeof(ulong) + offset, ThumbnailPixels);
            var frame = destination.Slice(t * ThumbnailPixels, ThumbnailPixels);
            TensorPrimitives.ConvertChecked<byte, float>(pixels, frame);
            TensorPrimitives.Multiply(frame, 1f / 255f, frame);
        }
    }

    /// <summary>The stored JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses the stored JSON.</summary>
    /// <exception cref="InvalidDataException">Malformed.</exception>
    public static InsetLayout Parse(string json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize<InsetLayout>(json, Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: the inset side's layout ({InsetSide.MetadataKey}) is malformed: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"inset layout v{Version} ({Regions} regions of {Dimensions} at {FeatureSide}², luma {ThumbnailSide}²)";
}
