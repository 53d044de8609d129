using System.Text.Json;

namespace DnS.Core.Text;

/// <summary>
/// What a CLIP model folder's <c>config.json</c> says (the form of ../shared/golden-text): the tower files and tensor
/// names, the vocabulary, the context length, the logit scale and the image preprocessing. Everything but the file
/// names has a default (OpenAI CLIP's).
/// </summary>
internal sealed record ClipFolderConfig
{
    public const string FileName = "config.json";

    private static readonly float[] OpenAiMean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] OpenAiStd = [0.26862954f, 0.26130258f, 0.27577711f];

    public required string TextModel { get; init; }
    public string? TextInput { get; init; }
    public string? TextOutput { get; init; }
    public required string VisionModel { get; init; }
    public string? VisionInput { get; init; }
    public string? VisionOutput { get; init; }
    public required string Vocabulary { get; init; }
    public int ContextLength { get; init; } = ClipTokenizer.DefaultContextLength;
    public float? LogitScale { get; init; }
    public int ResizeShortSide { get; init; } = 224;
    public int CropSize { get; init; } = 224;
    public float[] Mean { get; init; } = OpenAiMean;
    public float[] Std { get; init; } = OpenAiStd;

    /// <summary>Reads and checks <c>folder/config.json</c>; errors name the file and the field.</summary>
    public static ClipFolderConfig Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new ClipModelException(path, "does not exist; a CLIP model folder holds config.json, the two ONNX towers and the BPE vocabulary (docs/text-search.md).");
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            JsonElement text = Section(root, "text_model"), vision = Section(root, "vision_model");
            JsonElement tokenizer = Optional(root, "tokenizer"), preprocess = Optional(root, "preprocess");
            var config = new ClipFolderConfig
            {
                TextModel = FolderFile(folder, text, "file", "text_model.file"),
                TextInput = String(text, "input_name"),
                TextOutput = String(text, "output_name"),
                VisionModel = FolderFile(folder, vision, "file", "vision_model.file"),
                VisionInput = String(vision, "input_name"),
                VisionOutput = String(vision, "output_name"),
                Vocabulary = FolderFile(folder, tokenizer, "vocab_file", "tokenizer.vocab_file"),
                ContextLength = Int(root, "context_length") ?? ClipTokenizer.DefaultContextLength,
                LogitScale = root.TryGetProperty("logit_scale", out JsonElement scale) && scale.ValueKind == JsonValueKind.Number ? scale.GetSingle() : null,
                ResizeShortSide = Int(preprocess, "resize_shortest_side") ?? Int(root, "image_size") ?? 224,
                CropSize = Int(preprocess, "center_crop") ?? Int(root, "image_size") ?? 224,
                Mean = Triple(preprocess, "mean") ?? OpenAiMean,
                Std = Triple(preprocess, "std") ?? OpenAiStd,
            };
            if (config.ContextLength < 2 || config.CropSize < 1 || config.ResizeShortSide < config.CropSize)
                throw new ClipModelException(path, $"context_length {config.ContextLength}, resize_shortest_side {config.ResizeShortSide} and center_crop {config.CropSize} must satisfy context_length ≥ 2 and resize_shortest_side ≥ center_crop ≥ 1.");
            if (config.LogitScale is { } s && !(s > 0 && float.IsFinite(s)))
                throw new ClipModelException(path, $"logit_scale {s} must be a positive finite number.");
            return config;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ClipModelException(path, $"is not a valid CLIP configuration: {e.Message}", e);
        }
    }

    private static JsonElement Section(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement section) && section.ValueKind == JsonValueKind.Object
            ? section
            : throw new InvalidOperationException($"the object '{name}' is missing");

    private static JsonElement Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement section) && section.ValueKind == JsonValueKind.Object ? section : default;

    private static string? String(JsonElement section, string name) =>
        section.ValueKind == JsonValueKind.Object && section.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static int? Int(JsonElement section, string name) =>
        section.ValueKind == JsonValueKind.Object && section.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt32()
            : null;

    private static float[]? Triple(JsonElement section, string name)
    {
        if (section.ValueKind != JsonValueKind.Object || !section.TryGetProperty(name, out JsonElement value))
            return null;
        float[] values = [.. value.EnumerateArray().Select(v => v.GetSingle())];
        return values.Length == 3 ? values : throw new InvalidOperationException($"'{name}' must hold three values (R, G, B)");
    }

    // A file named by the configuration must stay inside the folder.
    private static string FolderFile(string folder, JsonElement section, string name, string field)
    {
        string file = String(section, name) ?? throw new InvalidOperationException($"'{field}' is missing");
        string full = Path.GetFullPath(Path.Combine(folder, file));
        string root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal) ? full : throw new InvalidOperationException($"'{field}' ({file}) points outside the model folder");
    }
}
