using System.Text.Json;
using DnS.Core.Features;
using DnS.Core.Text;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Text;

/// <summary>The ONNX towers against ../shared/golden-text: embeddings, logits and rankings within the README's tolerances.</summary>
public sealed class ClipModelTests(ITestOutputHelper output) : IDisposable
{
    private const int Dimension = 64, Context = 77, Side = 224;

    private readonly ClipModel _model = ClipModel.Open(SharedData.GoldenText(), new ClipModelOptions { BatchSize = 4 });

    public void Dispose() => _model.Dispose();

    [Fact]
    public void Clip_model_opens_the_golden_text_folder()
    {
        _model.EmbeddingDimension.Should().Be(Dimension);
        _model.LogitScale.Should().BeApproximately(14.285714f, 1e-5f);
        _model.Tokenizer.ContextLength.Should().Be(Context);
        _model.TextTower.HasAttentionMask.Should().BeFalse();
        _model.FrameDecoding.CropSize.Should().Be(Side);
    }

    [Fact]
    public void Clip_text_tower_reproduces_text_embeds_from_input_ids()
    {
        long[] ids = NpyFile.Read(SharedData.GoldenText("input_ids.npy")).Int64s();
        float[] expected = NpyFile.Read(SharedData.GoldenText("text_embeds.npy")).Floats();
        int rows = ids.Length / Context;
        var embeddings = new float[rows * Dimension];
        int[] lengths = [.. Enumerable.Repeat(Context, rows)];

        _model.TextTower.RunText(ids, lengths, rows, Context, embeddings);

        double worst = WorstRelativeRowError(embeddings, expected);
        output.WriteLine($"text_embeds worst row relative error {worst:E2}");
        worst.Should().BeLessThanOrEqualTo(1e-4);
    }

    [Fact]
    public void Clip_vision_tower_reproduces_image_embeds_from_pixel_values()
    {
        float[] pixels = NpyFile.Read(SharedData.GoldenText("pixel_values.npy")).Floats();
        float[] expected = NpyFile.Read(SharedData.GoldenText("image_embeds.npy")).Floats();
        var embeddings = new float[6 * Dimension];

        _model.VisionTower.RunVision(pixels, 6, Side, Side, embeddings);

        double worst = WorstRelativeRowError(embeddings, expected);
        output.WriteLine($"image_embeds worst row relative error {worst:E2}");
        worst.Should().BeLessThanOrEqualTo(1e-4);
    }

    [Fact]
    public void Clip_encode_text_gives_normalized_text_embeds_in_batches()
    {
        string[] texts = Texts();
        float[] expected = Normalized(NpyFile.Read(SharedData.GoldenText("text_embeds.npy")).Floats());

        float[] embeddings = _model.EncodeText(texts);

        int mojibake = Array.FindIndex(Ids(), id => id == "mojibake");
        for (int r = 0; r < texts.Length; r++)
        {
            double error = RelativeError(embeddings.AsSpan(r * Dimension, Dimension), expected.AsSpan(r * Dimension, Dimension));
            if (r == mojibake)
                error.Should().BeGreaterThan(1e-4, "its tokens differ (a documented difference)");
            else
                error.Should().BeLessThanOrEqualTo(1e-4, texts[r]);
        }
    }

    [Fact]
    public async Task Clip_png_files_end_to_end_reproduce_logits_per_image_and_ranking_json()
    {
        string[] texts = Texts();
        float[] logits = NpyFile.Read(SharedData.GoldenText("logits_per_image.npy")).Floats();
        float[] textEmbeddings = _model.EncodeText(texts);
        var images = new float[6][];
        for (int i = 0; i < 6; i++)
            images[i] = await _model.EncodeFileAsync(SharedData.GoldenText($"images/image_{i}.png"));

        int mojibake = Array.FindIndex(Ids(), id => id == "mojibake");
        var scores = new double[6, texts.Length];
        double worstLogit = 0;
        for (int i = 0; i < 6; i++)
        {
            images[i].Should().HaveCount(Dimension, "a still image is one frame");
            for (int t = 0; t < texts.Length; t++)
            {
                double dot = 0;
                for (int k = 0; k < Dimension; k++)
                    dot += (double)images[i][k] * textEmbeddings[t * Dimension + k];
                scores[i, t] = _model.LogitScale!.Value * dot;
                if (t != mojibake)
                    worstLogit = Math.Max(worstLogit, Math.Abs(scores[i, t] - logits[i * texts.Length + t]));
                if (t != mojibake)
                    scores[i, t].Should().BeApproximately(logits[i * texts.Length + t], 1e-3, $"image {i}, text '{texts[t]}'");
            }
        }

        JsonElement[] rankings = [.. JsonDocument.Parse(File.ReadAllText(SharedData.GoldenText("ranking.json"))).RootElement.GetProperty("per_text").EnumerateArray()];
        int asserted = 0;
        foreach (JsonElement ranking in rankings)
        {
            int t = ranking.GetProperty("text_index").GetInt32();
            if (t == mojibake)
                continue;
            int[] order = [.. ranking.GetProperty("images_best_first").EnumerateArray().Select(e => e.GetInt32())];
            double[] golden = [.. ranking.GetProperty("scores").EnumerateArray().Select(e => e.GetDouble())];
            for (int k = 0; k + 1 < order.Length; k++)
            {
                if (golden[k] - golden[k + 1] < 0.01)
                    continue;
                scores[order[k], t].Should().BeGreaterThan(scores[order[k + 1], t], $"text {t}: image {order[k]} before {order[k + 1]}");
                asserted++;
            }
        }

        output.WriteLine($"logits_per_image max abs difference {worstLogit:E2} (PNG → ffmpeg → Pillow resize → towers); {asserted} ranking pairs asserted");
        asserted.Should().BeGreaterThan(200, "most neighboring pairs are separated by more than 0.01");
    }

    [Fact]
    public async Task Clip_video_file_is_sampled_at_one_frame_per_second_through_the_same_preprocessing()
    {
        string folder = Directory.CreateTempSubdirectory("clip-video-").FullName;
        try
        {
            // A lossless 2-second, 5 fps video of image 5: every sampled frame must embed as image_embeds[5].
            string video = Path.Combine(folder, "still.mkv");
            using (var ffmpeg = System.Diagnostics.Process.Start("ffmpeg", ["-nostdin", "-loglevel", "error", "-loop", "1", "-framerate", "5",
                       "-i", SharedData.GoldenText("images/image_5.png"), "-t", "2", "-c:v", "ffv1", "-pix_fmt", "bgr0", video])!)
            {
                await ffmpeg.WaitForExitAsync();
                ffmpeg.ExitCode.Should().Be(0);
            }

            float[] expected = Normalized(NpyFile.Read(SharedData.GoldenText("image_embeds.npy")).Floats()).AsSpan(5 * Dimension, Dimension).ToArray();
            var reported = new List<int>();

            float[] frames = await _model.EncodeFileAsync(video, new SynchronousProgress(reported.Add));

            frames.Should().HaveCount(2 * Dimension);
            reported.Should().Equal(2);
            for (int t = 0; t < 2; t++)
                RelativeError(frames.AsSpan(t * Dimension, Dimension), expected).Should().BeLessThanOrEqualTo(1e-4);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Clip_encode_images_rejects_frames_of_the_wrong_size()
    {
        var frames = new FrameBatch(new float[3 * 100 * 100], 1, 100, 100, 0);

        var act = () => _model.EncodeImages(frames, new float[Dimension]);

        act.Should().Throw<ArgumentException>().WithMessage("*224*");
    }

    [Fact]
    public void Clip_model_folder_errors_name_the_file()
    {
        string folder = Directory.CreateTempSubdirectory("clip-model-").FullName;
        try
        {
            var open = () => ClipModel.Open(folder);
            open.Should().Throw<ClipModelException>().Which.Path.Should().Be(Path.Combine(folder, "config.json"));

            File.Copy(SharedData.GoldenText("config.json"), Path.Combine(folder, "config.json"));
            open.Should().Throw<ClipModelException>().Which.Path.Should().Be(Path.Combine(folder, "text.onnx"));

            File.WriteAllText(Path.Combine(folder, "text.onnx"), "not an onnx model");
            open.Should().Throw<ClipModelException>().Which.Message.Should().Contain(Path.Combine(folder, "text.onnx")).And.Contain("cannot load");

            File.Copy(SharedData.GoldenText("text.onnx"), Path.Combine(folder, "text.onnx"), overwrite: true);
            File.Copy(SharedData.GoldenText("vision.onnx"), Path.Combine(folder, "vision.onnx"));
            open.Should().Throw<FileNotFoundException>().Which.FileName.Should().Be(Path.Combine(folder, "bpe_simple_vocab_16e6.txt.gz"));

            File.WriteAllText(Path.Combine(folder, "config.json"), "{ \"text_model\": { \"file\": \"../text.onnx\" } }");
            open.Should().Throw<ClipModelException>().WithMessage("*config.json*");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private static JsonElement[] Cases() =>
        [.. JsonDocument.Parse(File.ReadAllText(SharedData.GoldenText("tokens.json"))).RootElement.GetProperty("strings").EnumerateArray()];

    private static string[] Texts() => [.. Cases().Select(c => c.GetProperty("text").GetString()!)];

    private static string[] Ids() => [.. Cases().Select(c => c.GetProperty("id").GetString()!)];

    private static float[] Normalized(float[] rows)
    {
        var result = new float[rows.Length];
        for (int r = 0; r < rows.Length; r += Dimension)
        {
            double norm = Math.Sqrt(rows.AsSpan(r, Dimension).ToArray().Sum(v => (double)v * v));
            for (int k = 0; k < Dimension; k++)
                result[r + k] = (float)(rows[r + k] / norm);
        }

        return result;
    }

    private static double WorstRelativeRowError(float[] actual, float[] expected)
    {
        actual.Should().HaveSameCount(expected);
        double worst = 0;
        for (int r = 0; r < expected.Length; r += Dimension)
            worst = Math.Max(worst, RelativeError(actual.AsSpan(r, Dimension), expected.AsSpan(r, Dimension)));
        return worst;
    }

    private static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        double difference = 0, norm = 0;
        for (int k = 0; k < expected.Length; k++)
        {
            difference += Math.Pow(actual[k] - (double)expected[k], 2);
            norm += (double)expected[k] * expected[k];
        }

        return Math.Sqrt(difference / norm);
    }
}
