using DnS.Core.Features.Backbone;
using DnS.Core.Indexing;
using DnS.Core.Library;
using DnS.Core.Tests.Features;
using DnS.Core.Tests.Features.Backbone;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Library;

/// <summary>
/// The feature choice of a library (builtin | resnet18 | both | onnx:FILE) and its device, in a host that does not reference
/// DnS.Features.ResNet18 (this test assembly) and has no CUDA (this machine).
/// </summary>
[Collection(VideoClipsCollection.Name)]
public sealed class FeatureChoiceTests(VideoClips clips) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dns-features-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("builtin", FeatureExtractorKind.BuiltIn, null)]
    [InlineData("ResNet18", FeatureExtractorKind.ResNet18, null)]
    [InlineData("both", FeatureExtractorKind.Both, null)]
    [InlineData("onnx:models/r50 stages.onnx", FeatureExtractorKind.Onnx, "models/r50 stages.onnx")]
    public void The_command_line_forms_parse_to_the_extractor_and_its_file(string spec, FeatureExtractorKind kind, string? backbone)
    {
        var options = FeatureOptions.Parse(spec);
        options.Extractor.Should().Be(kind);
        options.Backbone.Should().Be(backbone);
        options.FitsPca.Should().Be(kind is FeatureExtractorKind.ResNet18 or FeatureExtractorKind.Both, "only ResNet-18 and both get whitenings fitted by the index");
        (options with { Pca = "given.safetensors" }).FitsPca.Should().Be(kind == FeatureExtractorKind.Both, "a given PCA is used as it is; both also needs the built-in part's");
        (options with { Pca = "given.safetensors", BuiltInPca = "built-in.safetensors" }).FitsPca.Should().BeFalse();
    }

    [Theory]
    [InlineData("onnx:")]
    [InlineData("resnet50")]
    [InlineData("")]
    public void Other_forms_are_refused_naming_the_accepted_ones(string spec)
    {
        var parse = () => FeatureOptions.Parse(spec);
        parse.Should().Throw<ArgumentException>().WithMessage("*builtin, resnet18, both or onnx:FILE*");
    }

    [Fact]
    public void Contradicting_settings_are_refused_with_the_reason()
    {
        new FeatureOptions { Backbone = "b.onnx" }.Extractor.Should().Be(FeatureExtractorKind.Onnx, "a backbone file alone means ONNX features, as before");
        new FeatureOptions().Extractor.Should().Be(FeatureExtractorKind.BuiltIn);
        var onnxWithoutFile = () => new FeatureOptions { Extractor = FeatureExtractorKind.Onnx }.Validate();
        onnxWithoutFile.Should().Throw<ArgumentException>().WithMessage("*backbone file*");
        var resnetWithFile = () => new FeatureOptions { Extractor = FeatureExtractorKind.ResNet18, Backbone = "b.onnx" }.Validate();
        resnetWithFile.Should().Throw<ArgumentException>().WithMessage("*b.onnx*resnet18*takes none*");
        var stageNames = () => new FeatureOptions { Extractor = FeatureExtractorKind.ResNet18, Session = new OnnxBackboneOptions { InputName = "x" } }.Validate();
        stageNames.Should().Throw<ArgumentException>().WithMessage("*threads and the device only*");
        var builtInPcaElsewhere = () => new FeatureOptions { Extractor = FeatureExtractorKind.BuiltIn, BuiltInPca = "p.safetensors" }.Validate();
        builtInPcaElsewhere.Should().Throw<ArgumentException>().WithMessage("*p.safetensors*both features only");
        var unknown = () => new FeatureOptions { Extractor = (FeatureExtractorKind)7 }.Validate();
        unknown.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData(FeatureExtractorKind.ResNet18)]
    [InlineData(FeatureExtractorKind.Both)]
    public async Task ResNet18_in_a_host_without_its_package_is_an_error_naming_the_package_and_leaves_no_index(FeatureExtractorKind kind)
    {
        var direct = () => new FeatureOptions { Extractor = kind }.CreateExtractor();
        direct.Should().Throw<InvalidOperationException>().WithMessage("*need the package DnS.Features.ResNet18*add a PackageReference*");

        string folder = Path.Combine(_root, "index");
        var create = () => VideoLibrary.CreateAsync(folder, new VideoLibraryOptions
        {
            Features = new FeatureOptions { Extractor = kind },
            PcaSample = [clips["h264.mp4"]],
        });
        await create.Should().ThrowAsync<InvalidOperationException>().WithMessage("*DnS.Features.ResNet18*");
        VideoLibrary.Exists(folder).Should().BeFalse("the whitening is fitted before the index is made");
        Directory.Exists(folder).Should().BeFalse();

        var noSample = () => VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Features = new FeatureOptions { Extractor = kind } });
        await noSample.Should().ThrowAsync<ArgumentException>().WithMessage("*PcaSample*or a PCA file*");
    }

    [Fact]
    public async Task Cuda_asked_on_a_machine_without_it_runs_on_the_cpu_says_why_and_gives_the_cpu_features()
    {
        string backbone = Path.Combine(_root, "tiny.onnx");
        await File.WriteAllBytesAsync(backbone, new TinyResNet(seed: 5).StagesModel());
        string video = clips["h264.mp4"];
        var cuda = new OnnxBackboneOptions { ExecutionProvider = BackboneExecutionProvider.Cuda };

        string folder = Path.Combine(_root, "gpu");
        float[] stored;
        await using (var library = await VideoLibrary.CreateAsync(folder, new VideoLibraryOptions { Features = FeatureOptions.Parse("onnx:" + backbone) with { Session = cuda } }))
        {
            library.ProviderFallbackReason.Should().Contain("CUDA execution provider not in this ONNX Runtime build").And.Contain("Microsoft.ML.OnnxRuntime.Gpu");
            library.FeatureOptions.Session.Should().Be(cuda, "training on the index runs where the index was asked to");
            (await library.AddAsync([new VideoSource("v", video)])).Failed.Should().BeEmpty();
            library.TryGetRecord("v", out var record).Should().BeTrue();
            stored = record.FineFloats.ToArray();
        }

        await using (var reopened = await VideoLibrary.OpenAsync(folder, session: cuda))
            reopened.ProviderFallbackReason.Should().Contain("CUDA");
        await using var cpu = await VideoLibrary.OpenAsync(folder);
        cpu.ProviderFallbackReason.Should().BeNull("the CPU was asked for");
        (await cpu.CreateQueryAsync(video)).FineFloats.ToArray().Should().Equal(stored, "the device is no part of what built the index");
    }
}
