using System.Text.Json;
using System.Text.Json.Nodes;
using DnS.Core.Networks;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Networks;

public sealed class FineScoreCalibrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dns-calibration-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(-1f)]
    [InlineData(-0.3f)]
    [InlineData(0f)]
    [InlineData(0.7f)]
    [InlineData(1f)]
    public void Reference_is_the_evaluations_s_over_2_plus_half_and_lifts_top_K_by_1(float s)
    {
        FineScoreCalibration.Reference.Map(s).Should().Be(s / 2 + 0.5f);
        FineScoreCalibration.Reference.ShortlistLift.Should().Be(1f);
        FineScoreCalibration.Reference.ToString().Should().Be("0.5·s + 0.5");
    }

    [Fact]
    public void Map_is_affine_and_the_shortlist_lift_puts_every_fine_score_at_or_above_1()
    {
        var calibration = new FineScoreCalibration(0.9f, -0.05f);
        calibration.Map(0.5f).Should().BeApproximately(0.9f * 0.5f - 0.05f, 1e-7f);
        calibration.ToString().Should().Be("0.9·s − 0.05");
        calibration.ShortlistLift.Should().BeApproximately(1 + 0.9f + 0.05f, 1e-6f);
        (calibration.Map(-1) + calibration.ShortlistLift).Should().BeApproximately(1f, 1e-6f, "the lowest fine score ties the highest coarse score");
        (calibration.Map(1) + calibration.ShortlistLift).Should().BeApproximately(1 + 2 * 0.9f, 1e-6f);
    }

    [Theory]
    [InlineData(0f, 0f)]
    [InlineData(-0.5f, 0.5f)]
    [InlineData(float.NaN, 0f)]
    [InlineData(float.PositiveInfinity, 0f)]
    [InlineData(1f, float.NaN)]
    public void A_calibration_that_would_not_keep_the_fine_ranking_is_refused(float scale, float offset)
        => FluentActions.Invoking(() => new FineScoreCalibration(scale, offset)).Should().Throw<ArgumentOutOfRangeException>();

    // The golden weights copied into the model folder: a config file may only name files inside its folder.
    private DnsModelsConfig GoldenConfig(FineScoreCalibration? calibration)
    {
        foreach (var name in (string[])["cg_student.weights.safetensors", "fg_att_student.weights.safetensors"])
            File.Copy(SharedData.Golden(name), Path.Combine(_dir, name), overwrite: true);
        return new DnsModelsConfig
        {
            CoarseWeights = "cg_student.weights.safetensors",
            Coarse = new CoarseGrainedStudentConfig { TransformerHeads = 8 },
            FineWeights = "fg_att_student.weights.safetensors",
            Fine = new FineGrainedStudentConfig { Variant = FineGrainedVariant.Attention },
            SelectorWeights = null,
            FineCalibration = calibration,
        };
    }

    private string ConfigPath => Path.Combine(_dir, DnsModels.ConfigFileName);

    [Fact]
    public void Config_file_round_trips_the_calibration_into_the_models()
    {
        var calibration = new FineScoreCalibration(0.8731f, 0.0417f);
        File.WriteAllText(ConfigPath, JsonSerializer.Serialize(GoldenConfig(calibration), DnsModels.JsonOptions));
        File.ReadAllText(ConfigPath).Should().Contain("\"fineCalibration\"").And.Contain("\"scale\"").And.NotContain("shortlistLift");

        DnsModels.ReadConfig(_dir).FineCalibration.Should().Be(calibration);
        DnsModels.Load(_dir).FineCalibration.Should().Be(calibration);
    }

    [Fact]
    public void A_config_file_without_calibration_merges_by_the_reference_mapping()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(GoldenConfig(new FineScoreCalibration(2, 1)), DnsModels.JsonOptions))!.AsObject();
        json.Remove("fineCalibration").Should().BeTrue();
        File.WriteAllText(ConfigPath, json.ToJsonString());

        DnsModels.ReadConfig(_dir).FineCalibration.Should().BeNull();
        DnsModels.Load(_dir).FineCalibration.Should().Be(FineScoreCalibration.Reference);
        DnsModels.BuiltIn(9, 16).FineCalibration.Should().Be(FineScoreCalibration.Reference);
        JsonSerializer.Serialize(GoldenConfig(null), DnsModels.JsonOptions).Should().NotContain("fineCalibration", "a folder without one stays without one when rewritten");
    }

    [Fact]
    public void A_non_positive_scale_in_the_config_file_is_a_malformed_file()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(GoldenConfig(FineScoreCalibration.Reference), DnsModels.JsonOptions))!.AsObject();
        json["fineCalibration"]!["scale"] = -1;
        File.WriteAllText(ConfigPath, json.ToJsonString());
        FluentActions.Invoking(() => DnsModels.ReadConfig(_dir)).Should().Throw<JsonException>().WithMessage($"*{DnsModels.ConfigFileName}*scale*");
    }
}
