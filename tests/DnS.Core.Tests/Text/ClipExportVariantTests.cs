using DnS.Core.Features.Backbone.Onnx;
using DnS.Core.Text;
using FluentAssertions;
using Google.Protobuf;
using Xunit;

namespace DnS.Core.Tests.Text;

/// <summary>
/// The forms real exports take that golden-text's own towers do not: int32 token ids and an <c>attention_mask</c>
/// input (Hugging Face exports). The golden text tower is rewritten in memory into such a model; its mask feeds a
/// visible term, so the test sees the mask's values and not only that it was accepted.
/// </summary>
public sealed class ClipExportVariantTests
{
    private const float MaskWeight = 1e-3f;
    private const int Dimension = 64;

    [Fact]
    public void Clip_text_tower_takes_int32_ids_and_an_attention_mask_of_the_real_tokens()
    {
        string folder = Directory.CreateTempSubdirectory("clip-variant-").FullName;
        try
        {
            foreach (string file in new[] { "vision.onnx", "bpe_simple_vocab_16e6.txt.gz" })
                File.Copy(SharedData.GoldenText(file), Path.Combine(folder, file));
            // Only the file names: tensor names, context length and preprocessing come from the models and the defaults.
            File.WriteAllText(Path.Combine(folder, "config.json"),
                """{ "text_model": { "file": "text.onnx" }, "vision_model": { "file": "vision.onnx" }, "tokenizer": { "vocab_file": "bpe_simple_vocab_16e6.txt.gz" } }""");
            File.WriteAllBytes(Path.Combine(folder, "text.onnx"), Int32IdsWithMask(File.ReadAllBytes(SharedData.GoldenText("text.onnx"))));
            string[] texts = ["a photo of a cat", "", "the quick brown fox jumps over the lazy dog"];

            using var model = ClipModel.Open(folder);
            model.TextTower.HasAttentionMask.Should().BeTrue();
            model.LogitScale.Should().BeNull();
            model.FrameDecoding.Mean.Should().Equal(ClipPreprocessingTests.ClipMean);
            var ids = new long[texts.Length * 77];
            int[] lengths = [.. texts.Select((t, i) => model.Tokenizer.Tokenize(t, ids.AsSpan(i * 77, 77)))];
            var embeddings = new float[texts.Length * Dimension];
            model.TextTower.RunText(ids, lengths, texts.Length, 77, embeddings);

            using var golden = ClipModel.Open(SharedData.GoldenText());
            var expected = new float[texts.Length * Dimension];
            golden.TextTower.RunText(ids, lengths, texts.Length, 77, expected);
            lengths.Should().Equal(7, 2, 11);   // start + 5 words + end; start + end; start + 9 words + end
            for (int r = 0; r < texts.Length; r++)
                for (int k = 0; k < Dimension; k++)
                    (embeddings[r * Dimension + k] - expected[r * Dimension + k]).Should().BeApproximately(MaskWeight * lengths[r], 1e-5f);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // input_ids becomes int32 (cast back inside), and text_embeds += MaskWeight · Σ attention_mask per row.
    private static byte[] Int32IdsWithMask(byte[] bytes)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(bytes);
        GraphProto graph = model.Graph;
        ValueInfoProto ids = graph.Input.Single(i => i.Name == "input_ids");
        ValueInfoProto mask = ids.Clone();
        mask.Name = "attention_mask";
        ids.Name = "input_ids_int32";
        ids.Type.TensorType.ElemType = 6;
        graph.Input.Add(mask);
        graph.Node.Insert(0, Node("Cast", ["input_ids_int32"], ["input_ids"], new AttributeProto { Name = "to", I = 7, Type = AttributeProto.Types.AttributeType.Int }));

        ValueInfoProto output = graph.Output.Single(o => o.Name == "text_embeds");
        foreach (NodeProto node in graph.Node)
            for (int o = 0; o < node.Output.Count; o++)
                if (node.Output[o] == "text_embeds")
                    node.Output[o] = "raw_embeds";
        graph.Initializer.Add(new TensorProto { Name = "mask_axes", DataType = 7, Dims = { 1 }, Int64Data = { 1 } });
        graph.Initializer.Add(new TensorProto { Name = "mask_weight", DataType = 1, FloatData = { MaskWeight } });
        graph.Node.Add(Node("ReduceSum", ["attention_mask", "mask_axes"], ["mask_count"]));
        graph.Node.Add(Node("Cast", ["mask_count"], ["mask_count_f"], new AttributeProto { Name = "to", I = 1, Type = AttributeProto.Types.AttributeType.Int }));
        graph.Node.Add(Node("Mul", ["mask_count_f", "mask_weight"], ["mask_term"]));
        graph.Node.Add(Node("Add", ["raw_embeds", "mask_term"], [output.Name]));
        return model.ToByteArray();
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = op + "_" + outputs[0] };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }
}
