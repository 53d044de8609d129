using DnS.Core.Features;
using DnS.Core.Features.Backbone;
using DnS.Core.Features.Backbone.Onnx;
using FluentAssertions;
using Google.Protobuf;
using Xunit;

namespace DnS.Core.Tests.Features.Backbone;

public sealed class OnnxBackboneTests : IDisposable
{
    private const int Size = 64;
    private readonly TinyResNet _net = new(seed: 7);
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Form_a_stage_maps_match_a_plain_reference_convolution()
    {
        float[] pixels = TinyResNet.Frames(3, Size, Size, seed: 1);
        using var backbone = OnnxBackbone.FromBytes(_net.StagesModel(), "tiny");

        IReadOnlyList<StageMap> stages = backbone.Run(new FrameBatch(pixels, 3, Size, Size, 0));

        backbone.ExecutionProvider.Should().Be(BackboneExecutionProvider.Cpu);
        backbone.ProviderFallbackReason.Should().BeNull();
        backbone.StageNames.Should().Equal(TinyResNet.OutputStageNames);
        ShapesOf(stages).Should().Equal((3, 6, 16, 16), (3, 8, 8, 8), (3, 10, 4, 4), (3, 12, 2, 2));
        ShouldMatch(stages, _net.Reference(pixels, 3, Size, Size));
    }

    [Fact]
    public void Form_b_classifier_with_named_stage_tensors_exposes_the_same_maps_as_form_a()
    {
        float[] pixels = TinyResNet.Frames(2, Size, Size, seed: 2);
        using var formA = OnnxBackbone.FromBytes(_net.StagesModel(), "tiny");
        using var formB = OnnxBackbone.FromBytes(_net.ClassifierModel(), "tiny-classifier",
            new OnnxBackboneOptions { StageOutputNames = TinyResNet.InnerStageNames });

        var batch = new FrameBatch(pixels, 2, Size, Size, 0);
        StageMap[] a = Copy(formA.Run(batch));
        IReadOnlyList<StageMap> b = formB.Run(batch);

        formB.StageNames.Should().Equal(TinyResNet.InnerStageNames);
        ShapesOf(b).Should().Equal(ShapesOf(a));
        for (int s = 0; s < 4; s++)
            b[s].Data.ToArray().Should().Equal(a[s].Data.ToArray(), "stage {0} comes from the same weights", s + 1);
    }

    [Fact]
    public void Buffers_are_reused_across_batch_counts_and_rebuilt_for_a_new_input_size()
    {
        using var backbone = OnnxBackbone.FromBytes(_net.StagesModel(), "tiny");
        float[] three = TinyResNet.Frames(3, Size, Size, seed: 3);
        float[] one = TinyResNet.Frames(1, Size, Size, seed: 4);
        float[] larger = TinyResNet.Frames(2, 96, 96, seed: 5);

        ShouldMatch(backbone.Run(new FrameBatch(three, 3, Size, Size, 0)), _net.Reference(three, 3, Size, Size));
        ShouldMatch(backbone.Run(new FrameBatch(one, 1, Size, Size, 3)), _net.Reference(one, 1, Size, Size));
        ShouldMatch(backbone.Run(new FrameBatch(three, 3, Size, Size, 4)), _net.Reference(three, 3, Size, Size));
        IReadOnlyList<StageMap> big = backbone.Run(new FrameBatch(larger, 2, 96, 96, 0));
        ShapesOf(big).Should().Equal((2, 6, 24, 24), (2, 8, 12, 12), (2, 10, 6, 6), (2, 12, 3, 3));
        ShouldMatch(big, _net.Reference(larger, 2, 96, 96));
        // Growing past the first batch's capacity at the same size.
        float[] five = TinyResNet.Frames(5, 96, 96, seed: 6);
        ShouldMatch(backbone.Run(new FrameBatch(five, 5, 96, 96, 0)), _net.Reference(five, 5, 96, 96));
    }

    [Fact]
    public void Steady_state_runs_allocate_no_per_frame_buffers()
    {
        using var backbone = OnnxBackbone.FromBytes(_net.StagesModel(), "tiny");
        float[] pixels = TinyResNet.Frames(4, Size, Size, seed: 11);
        var batch = new FrameBatch(pixels, 4, Size, Size, 0);
        backbone.Run(batch);
        backbone.Run(batch);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
            backbone.Run(batch);
        long perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;

        // ONNX Runtime's managed Run marshals names (≈400 B); one frame's input alone would be 48 KB.
        perRun.Should().BeLessThan(2048);
    }

    [Fact]
    public void Opens_both_forms_from_files_with_thread_settings()
    {
        string stagesPath = Write("stages.onnx", _net.StagesModel());
        string classifierPath = Write("classifier.onnx", _net.ClassifierModel());
        float[] pixels = TinyResNet.Frames(2, Size, Size, seed: 8);
        var batch = new FrameBatch(pixels, 2, Size, Size, 0);
        StageMap[] expected = _net.Reference(pixels, 2, Size, Size);

        using var formA = OnnxBackbone.Open(stagesPath, new OnnxBackboneOptions { IntraOpThreads = 1 });
        ShouldMatch(formA.Run(batch), expected);
        using var formB = OnnxBackbone.Open(classifierPath,
            new OnnxBackboneOptions { StageOutputNames = TinyResNet.InnerStageNames, IntraOpThreads = 2, InterOpThreads = 2 });
        ShouldMatch(formB.Run(batch), expected);
        File.ReadAllBytes(classifierPath).Should().Equal(_net.ClassifierModel(), "the rewrite happens in memory only");
    }

    [Fact]
    public void A_model_with_weights_beside_it_opens_from_its_path_when_the_options_need_no_rewrite()
    {
        // Form (a), already dynamic, every initializer moved to weights.bin next to the .onnx file.
        ModelProto proto = ModelProto.Parser.ParseFrom(_net.StagesModel());
        using (var weights = File.Create(Path.Combine(_dir, "weights.bin")))
        {
            foreach (TensorProto initializer in proto.Graph.Initializer)
            {
                initializer.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
                initializer.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = weights.Position.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                initializer.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = initializer.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                initializer.DataLocation = TensorProto.Types.DataLocation.External;
                weights.Write(initializer.RawData.Span);
                initializer.RawData = ByteString.Empty;
            }
        }

        string path = Write("external.onnx", proto.ToByteArray());
        float[] pixels = TinyResNet.Frames(2, Size, Size, seed: 13);
        StageMap[] expected = _net.Reference(pixels, 2, Size, Size);
        foreach (var options in new[]
                 {
                     new OnnxBackboneOptions { DynamicBatch = true },
                     new OnnxBackboneOptions { StageOutputNames = TinyResNet.OutputStageNames },
                 })
        {
            using var backbone = OnnxBackbone.Open(path, options);
            ShouldMatch(backbone.Run(new FrameBatch(pixels, 2, Size, Size, 0)), expected);
        }

        // A rewrite is needed (and the bytes cannot reach weights.bin): the error says what to do.
        string stem = proto.Graph.Node[0].Output[0];
        var rewrite = () => OnnxBackbone.Open(path, new OnnxBackboneOptions { StageOutputNames = [stem, "layer2", "layer3", "layer4"] });
        rewrite.Should().Throw<BackboneModelException>().WithMessage("*external data*");
    }

    [Fact]
    public void Cuda_request_without_the_gpu_runtime_falls_back_to_cpu_and_says_why()
    {
        float[] pixels = TinyResNet.Frames(1, Size, Size, seed: 9);
        using var backbone = OnnxBackbone.FromBytes(_net.StagesModel(), "tiny",
            new OnnxBackboneOptions { ExecutionProvider = BackboneExecutionProvider.Cuda });

        backbone.ExecutionProvider.Should().Be(BackboneExecutionProvider.Cpu);
        backbone.ProviderFallbackReason.Should().Contain("CUDA").And.Contain("Microsoft.ML.OnnxRuntime.Gpu");
        ShouldMatch(backbone.Run(new FrameBatch(pixels, 1, Size, Size, 0)), _net.Reference(pixels, 1, Size, Size));

        var strict = () => OnnxBackbone.FromBytes(_net.StagesModel(), "tiny",
            new OnnxBackboneOptions { ExecutionProvider = BackboneExecutionProvider.Cuda, AllowCpuFallback = false });
        strict.Should().Throw<NotSupportedException>().WithMessage("*CUDA*");

        using var auto = OnnxBackbone.FromBytes(_net.StagesModel(), "tiny",
            new OnnxBackboneOptions { ExecutionProvider = BackboneExecutionProvider.Auto, AllowCpuFallback = false });
        auto.ExecutionProvider.Should().Be(BackboneExecutionProvider.Cpu, "auto-detection never fails for want of a GPU");
        auto.ProviderFallbackReason.Should().Contain("CUDA");
    }

    [Fact]
    public void Corrupt_or_missing_model_files_throw_errors_naming_the_file()
    {
        string garbage = Write("garbage.onnx", [0x08, 0x07, 0xFF, 0xFF, 0x12, 0x99, 0x01, 0x42]);
        string truncated = Write("truncated.onnx", _net.StagesModel()[..200]);

        var formA = () => OnnxBackbone.Open(garbage);
        formA.Should().Throw<BackboneModelException>().Where(e => e.ModelName == garbage && e.Message.Contains(garbage));
        var formB = () => OnnxBackbone.Open(truncated, new OnnxBackboneOptions { StageOutputNames = TinyResNet.InnerStageNames });
        formB.Should().Throw<BackboneModelException>().WithMessage($"*{truncated}*");
        var missing = () => OnnxBackbone.Open(Path.Combine(_dir, "absent.onnx"));
        missing.Should().Throw<FileNotFoundException>().WithMessage("*absent.onnx*");
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("text")]
    [InlineData("random")]
    [InlineData("classifier")]
    public void Garbage_or_wrong_shaped_model_files_throw_backbone_errors_naming_the_file(string kind)
    {
        // What a user may pass as --backbone: nothing ONNX Runtime can run, or a valid ONNX model that is no backbone
        // (one logits output instead of four stage maps). Never a native crash.
        var random = new byte[4096];
        new Random(3).NextBytes(random);
        string path = Write(kind + ".onnx", kind switch
        {
            "empty" => [],
            "text" => "<html>not a model</html>\n"u8.ToArray(),
            "random" => random,
            _ => _net.ClassifierModel(),
        });
        var open = () => OnnxBackbone.Open(path);
        open.Should().Throw<BackboneModelException>().Where(e => e.ModelName == path)
            .WithMessage($"Backbone model '{path}': {(kind == "classifier" ? "*1 outputs (logits)*" : "ONNX Runtime cannot load it*")}");
    }

    [Fact]
    public void Unknown_stage_node_throws_naming_the_node()
    {
        string[] names = [.. TinyResNet.InnerStageNames[..3], "/layer4/NoSuchRelu_output_0"];
        var open = () => OnnxBackbone.FromBytes(_net.ClassifierModel(), "tiny-classifier", new OnnxBackboneOptions { StageOutputNames = names });
        open.Should().Throw<BackboneModelException>().WithMessage("*'tiny-classifier'*'/layer4/NoSuchRelu_output_0'*");

        var wrongCount = () => OnnxBackbone.FromBytes(_net.ClassifierModel(), "tiny-classifier",
            new OnnxBackboneOptions { StageOutputNames = TinyResNet.InnerStageNames[..2] });
        wrongCount.Should().Throw<ArgumentException>().WithMessage("*2 names*4 stages*")
            .Which.ParamName.Should().Be(nameof(OnnxBackboneOptions.StageOutputNames));
    }

    [Theory]
    [InlineData(nameof(OnnxBackboneOptions.IntraOpThreads))]
    [InlineData(nameof(OnnxBackboneOptions.InterOpThreads))]
    [InlineData(nameof(OnnxBackboneOptions.CudaDeviceId))]
    [InlineData(nameof(OnnxBackboneOptions.ExecutionProvider))]
    public void Out_of_range_options_throw_naming_the_option_before_the_model_is_read(string option)
    {
        var options = option switch
        {
            nameof(OnnxBackboneOptions.IntraOpThreads) => new OnnxBackboneOptions { IntraOpThreads = -1 },
            nameof(OnnxBackboneOptions.InterOpThreads) => new OnnxBackboneOptions { InterOpThreads = -1 },
            nameof(OnnxBackboneOptions.CudaDeviceId) => new OnnxBackboneOptions { CudaDeviceId = -1 },
            _ => new OnnxBackboneOptions { ExecutionProvider = (BackboneExecutionProvider)9 },
        };
        // Bytes that are not a model: the options are refused first.
        var open = () => OnnxBackbone.FromBytes([1, 2, 3], "not-a-model", options);
        open.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(option);
        new OnnxBackboneOptions().Validate();
    }

    [Fact]
    public void Model_with_several_inputs_needs_the_input_name()
    {
        var graph = new OnnxGraphBuilder("two_inputs");
        graph.Output(graph.Add(graph.Input("frames", -1, 3, -1, -1), graph.Input("mask", -1, 3, -1, -1)));
        byte[] model = graph.ToBytes();

        var unnamed = () => OnnxBackbone.FromBytes(model, "two-inputs");
        unnamed.Should().Throw<BackboneModelException>().WithMessage("*2 inputs (frames, mask)*InputName*");
        var wrongName = () => OnnxBackbone.FromBytes(model, "two-inputs", new OnnxBackboneOptions { InputName = "image" });
        wrongName.Should().Throw<BackboneModelException>().WithMessage("*no input named 'image'*");
    }

    [Fact]
    public void Classifier_without_stage_names_is_rejected_because_it_has_no_four_stage_outputs()
    {
        var open = () => OnnxBackbone.FromBytes(_net.ClassifierModel(), "tiny-classifier");
        open.Should().Throw<BackboneModelException>().WithMessage("*1 outputs (logits)*StageOutputNames*");
    }

    [Fact]
    public void Wrong_input_size_or_short_pixels_throw_naming_the_input_and_both_shapes()
    {
        using var backbone = OnnxBackbone.FromBytes(_net.StagesModel(fixedSize: Size), "tiny-fixed");
        float[] pixels = TinyResNet.Frames(2, 32, 32, seed: 10);

        var wrongSize = () => backbone.Run(new FrameBatch(pixels, 2, 32, 32, 0));
        wrongSize.Should().Throw<ArgumentException>().WithMessage("*'frames'*[?, 3, 64, 64]*[2, 3, 32, 32]*");
        var shortPixels = () => backbone.Run(new FrameBatch(pixels, 2, Size, Size, 0));
        shortPixels.Should().Throw<ArgumentException>().WithMessage("*6144 floats*[2, 3, 64, 64]*24576*");

        using var fixedBatch = OnnxBackbone.FromBytes(_net.StagesModel(fixedBatch: 1), "tiny-batch1");
        var wrongCount = () => fixedBatch.Run(new FrameBatch(pixels, 2, 32, 32, 0));
        wrongCount.Should().Throw<ArgumentException>().WithMessage("*[1, 3, ?, ?]*[2, 3, 32, 32]*dynamic batch axis*");

        backbone.Dispose();
        var afterDispose = () => backbone.Run(new FrameBatch(pixels, 1, 32, 32, 0));
        afterDispose.Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Dynamic_batch_frees_a_baked_batch_including_reshape_targets_and_matches_the_reference()
    {
        byte[] model = _net.StagesModel(fixedSize: Size, fixedBatch: 1, bakedReshape: true);
        float[] pixels = TinyResNet.Frames(3, Size, Size, seed: 12);
        var batch = new FrameBatch(pixels, 3, Size, Size, 0);

        using (var baked = OnnxBackbone.FromBytes(model, "tiny-batch1"))
        {
            var rejected = () => baked.Run(batch);
            rejected.Should().Throw<ArgumentException>().WithMessage("*[1, 3, 64, 64]*[3, 3, 64, 64]*DynamicBatch*");
            ShouldMatch(baked.Run(new FrameBatch(pixels, 1, Size, Size, 0)), _net.Reference(pixels[..(3 * Size * Size)], 1, Size, Size));
        }

        using var dynamic = OnnxBackbone.FromBytes(model, "tiny-batch1", new OnnxBackboneOptions { DynamicBatch = true });
        ShouldMatch(dynamic.Run(batch), _net.Reference(pixels, 3, Size, Size));

        GraphProto graph = ModelProto.Parser.ParseFrom(OnnxModelRewriter.Rewrite(model, "tiny-batch1", null, dynamicBatch: true)).Graph;
        graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.ToString())
            .Should().Equal("{ \"dimParam\": \"N\" }", "{ \"dimValue\": \"3\" }", "{ \"dimValue\": \"64\" }", "{ \"dimValue\": \"64\" }");
        NodeProto reshape = graph.Node.Single(n => n.OpType == "Reshape");
        TensorProto target = graph.Initializer.Single(t => t.Name == reshape.Input[1]);
        MemoryMarshalInt64(target.RawData).Should().Equal(0, -1, Size / 4, Size / 4);

        byte[] alreadyDynamic = _net.StagesModel();
        OnnxModelRewriter.Rewrite(alreadyDynamic, "tiny", null, dynamicBatch: true).Should().BeSameAs(alreadyDynamic);
    }

    [Fact]
    public void Rewrite_round_trip_keeps_fields_outside_the_proto_subset()
    {
        // Field 99 (varint 42) is not in the committed subset: it must survive as an unknown field.
        byte[] unknownField = [0x98, 0x06, 0x2A];
        byte[] model = [.. _net.ClassifierModel(), .. unknownField];

        using var backbone = OnnxBackbone.FromBytes(model, "tiny-extra", new OnnxBackboneOptions { StageOutputNames = TinyResNet.InnerStageNames });
        byte[] rewritten = OnnxModelRewriter.Rewrite(model, "tiny-extra", TinyResNet.InnerStageNames, dynamicBatch: false);

        ContainsSequence(rewritten, unknownField).Should().BeTrue();
        ModelProto.Parser.ParseFrom(rewritten).Graph.Output.Select(o => o.Name)
            .Should().Equal(["logits", .. TinyResNet.InnerStageNames]);
        backbone.StageNames.Should().Equal(TinyResNet.InnerStageNames);
    }

    private static long[] MemoryMarshalInt64(ByteString raw) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw.Span).ToArray();

    private static bool ContainsSequence(byte[] haystack, byte[] needle) =>
        haystack.AsSpan().IndexOf(needle) >= 0;

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static StageMap[] Copy(IReadOnlyList<StageMap> stages) =>
        stages.Select(s => s with { Data = s.Data.ToArray() }).ToArray();

    private static (int, int, int, int)[] ShapesOf(IReadOnlyList<StageMap> stages) =>
        stages.Select(s => (s.Count, s.Channels, s.Height, s.Width)).ToArray();

    private static void ShouldMatch(IReadOnlyList<StageMap> actual, StageMap[] expected)
    {
        ShapesOf(actual).Should().Equal(ShapesOf(expected));
        for (int s = 0; s < expected.Length; s++)
        {
            ReadOnlySpan<float> a = actual[s].Data.Span, e = expected[s].Data.Span;
            a.Length.Should().Be(e.Length);
            for (int i = 0; i < e.Length; i++)
                if (MathF.Abs(a[i] - e[i]) > 1e-4f + 1e-4f * MathF.Abs(e[i]))
                    throw new Xunit.Sdk.XunitException($"stage {s + 1} element {i}: ONNX Runtime {a[i]} vs reference {e[i]}");
        }
    }
}
