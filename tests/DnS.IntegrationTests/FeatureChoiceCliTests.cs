using System.Text.Json;
using DnS.Core.Library;
using DnS.Samples.Corpus;
using FluentAssertions;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary><c>dns index --features resnet18 --device cuda</c> through the real tool on a machine without CUDA.</summary>
public sealed class FeatureChoiceCliTests(CorpusFixture fixture) : IClassFixture<CorpusFixture>
{
    [Fact]
    public async Task ResNet18_features_fit_their_pca_in_the_index_and_cuda_falls_back_to_the_cpu_with_one_line()
    {
        string index = Path.Combine(fixture.Directory, $"resnet18-{Guid.NewGuid():N}");
        var query = fixture.Corpus.Queries.First();
        var copy = fixture.Corpus.Videos.First(v => v.Source == query.Id && v.Transform == "reencode");
        var distractor = fixture.Corpus.Videos.First(v => v.Transform == SyntheticCorpus.DistractorTransform);

        var (code, output, error) = await Cli.Dns.RunAsync("index", copy.Path, distractor.Path, "--index", index, "--features", "resnet18", "--device", "cuda");
        code.Should().Be(0, error);
        output.Should().Contain("fitting the PCA whitening of the resnet18 features on a sample of the 2 videos");
        error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle()
            .Which.Should().StartWith("warning: CUDA is unavailable, the backbone runs on the CPU: CUDA execution provider not in this ONNX Runtime build");
        string pca = Directory.GetFiles(index, "pca-*.safetensors").Should().ContainSingle().Subject;

        // The choice is the index's: queries extract with ResNet-18 and the stored whitening, without being told.
        // (Which hit ranks first is not asked: a whitening fitted on two videos is no measure of ResNet-18's accuracy.)
        (code, output, error) = await Cli.Dns.RunAsync("search", query.Path, "--index", index, "--policy", "fine", "--json");
        code.Should().Be(0, error);
        error.Should().BeEmpty("the CPU was asked for");
        var hits = JsonDocument.Parse(output).RootElement.GetProperty("hits").EnumerateArray().ToList();
        hits.Select(h => h.GetProperty("id").GetString()).Should().BeEquivalentTo([copy.Id, distractor.Id]);
        hits.Should().OnlyContain(h => h.GetProperty("fine").GetDouble() >= -1 && h.GetProperty("fine").GetDouble() <= 1);
        await using (var library = await VideoLibrary.OpenAsync(index))
        {
            library.FeatureOptions.Extractor.Should().Be(FeatureExtractorKind.ResNet18);
            library.FeatureOptions.Pca.Should().Be(pca);
        }

        (code, _, error) = await Cli.Dns.RunAsync("index", copy.Path, "--index", index, "--features", "builtin");
        code.Should().Be(2, "an index is built with one extractor");
        error.Should().Contain("was built with").And.Contain("resnet18");
        (code, _, error) = await Cli.Dns.RunAsync("index", copy.Path, "--index", index + "-x", "--features", "resnet50");
        code.Should().Be(2);
        error.Should().Contain("builtin, resnet18, both or onnx:FILE");
        (code, _, error) = await Cli.Dns.RunAsync("search", query.Path, "--index", index, "--device", "tpu");
        code.Should().Be(2);
        error.Should().Contain("--device must be cpu or cuda");
    }

    [Fact]
    public async Task Both_features_are_the_default_of_a_new_index_with_two_fitted_whitenings_search_and_refuse_other_features()
    {
        string index = Path.Combine(fixture.Directory, $"both-{Guid.NewGuid():N}");
        var query = fixture.Corpus.Queries.First();
        var copy = fixture.Corpus.Videos.First(v => v.Source == query.Id && v.Transform == "reencode");
        var distractor = fixture.Corpus.Videos.First(v => v.Transform == SyntheticCorpus.DistractorTransform);

        // No --features: a new index gets both, the default measured on real footage.
        var (code, output, error) = await Cli.Dns.RunAsync("index", copy.Path, distractor.Path, "--index", index);
        code.Should().Be(0, error);
        output.Should().Contain("fitting the PCA whitening of the both features on a sample of the 2 videos").And.Contain("--builtin-pca FILE");
        Directory.GetFiles(index, "pca-*.safetensors").Should().HaveCount(2, "one whitening per part");

        (code, output, error) = await Cli.Dns.RunAsync("search", query.Path, "--index", index, "--policy", "fine", "--json");
        code.Should().Be(0, error);
        var hits = JsonDocument.Parse(output).RootElement.GetProperty("hits").EnumerateArray().ToList();
        hits.Select(h => h.GetProperty("id").GetString()).Should().BeEquivalentTo([copy.Id, distractor.Id]);
        hits.Should().OnlyContain(h => h.GetProperty("fine").GetDouble() >= -1 && h.GetProperty("fine").GetDouble() <= 1);
        string resNetPca;
        await using (var library = await VideoLibrary.OpenAsync(index))
        {
            resNetPca = library.FeatureOptions.Pca!;
            library.FeatureOptions.Extractor.Should().Be(FeatureExtractorKind.Both);
            library.Schema.FineDimensions.Should().Be(128 + (int)Math.Min(512, library.GetStorageReport().Frames * 9 - 1),
                "the built-in part keeps its 128 components, ResNet-18's at most n − 1 for n sampled region vectors");
        }

        (code, _, error) = await Cli.Dns.RunAsync("index", copy.Path, "--index", index, "--features", "resnet18");
        code.Should().Be(2, "an index is built with one extractor");
        error.Should().Contain("was built with").And.Contain("features both");
        (code, _, error) = await Cli.Dns.RunAsync("index", copy.Path, "--index", index + "-x", "--features", "builtin", "--builtin-pca", "p.safetensors");
        code.Should().Be(2);
        error.Should().Contain("applies to both features only");
        (code, _, error) = await Cli.Dns.RunAsync("index", copy.Path, "--index", index + "-y", "--builtin-pca", "missing.safetensors");
        code.Should().Be(1, "a file the user named is missing");
        error.Should().Contain("missing.safetensors").And.Contain("no such PCA whitening file");
        Directory.Exists(index + "-y").Should().BeFalse("nothing is created when a given whitening is missing");
        // The ResNet-18 part's whitening given for the built-in part: refused before the other part's fit, nothing created.
        (code, _, error) = await Cli.Dns.RunAsync("index", copy.Path, "--index", index + "-z", "--builtin-pca", resNetPca);
        code.Should().Be(2, "the file is a whitening, but of the other part");
        error.Should().Contain(resNetPca).And.Contain("the built-in part of both features has 128-d regions");
        Directory.Exists(index + "-z").Should().BeFalse("nothing is created when a given whitening does not fit its part");
    }
}
