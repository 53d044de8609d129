using DnS.Core.Kernels;
using DnS.Core.Networks;
using DnS.Core.Weights;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Core.Tests.Networks;

public sealed class FineGrainedStudentGoldenTests(ITestOutputHelper output)
{
    private static readonly (string Pair, string Query, string Target)[] Pairs =
        [("pair0", "v3", "v4"), ("pair1", "v4", "v3"), ("pair2", "v1", "v2"), ("pair3", "v2", "v0"), ("pair4", "v0", "v1"), ("pair5", "v2", "v2")];

    private static readonly string[] Videos = ["v0", "v1", "v2", "v3", "v4"];

    private readonly GoldenComparison _golden = new(output);

    [Fact]
    public void Attention_student_index_matches_golden()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("fg_att_student.weights.safetensors"));
        var student = FineGrainedStudent.Load(weights);
        student.Variant.Should().Be(FineGrainedVariant.Attention);
        var attention = Attention.Load(weights);
        foreach (var v in Videos)
        {
            var x = GoldenComparison.Read("videos.safetensors", v);
            var index = student.IndexVideo(x);
            _golden.Close($"fg_att_student index.{v}", GoldenComparison.Read("fg_att_student.outputs.safetensors", "index." + v), index.Values, 1e-6, 1e-5);
            var weighted = new float[x.Length];
            var a = new float[x.Length / 512];
            attention.Apply(x, weighted, a);
            _golden.Close($"fg_att_student attention_weights.{v}", GoldenComparison.Read("fg_att_student.outputs.safetensors", "attention_weights." + v), a, 1e-6, 1e-5);
        }
    }

    [Theory]
    [InlineData("fg_att_student")]
    [InlineData("fg_bin_student")]
    public void Pairs_match_golden_stage_by_stage(string name)
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden(name + ".weights.safetensors"));
        var student = FineGrainedStudent.Load(weights);
        string outputs = name + ".outputs.safetensors";
        foreach (var (pair, q, t) in Pairs)
        {
            var query = Stored(student, outputs, q);
            var target = Stored(student, outputs, t);

            var f2f = new float[query.Frames * target.Frames];
            student.FrameToFrame(query, target, f2f);
            _golden.Close($"{name} {pair}.f2f", GoldenComparison.Read(outputs, pair + ".f2f"), f2f, 1e-5, 1e-4);

            // The comparator is fed the stored f2f so upstream rounding does not cascade.
            var storedF2f = GoldenComparison.Read(outputs, pair + ".f2f");
            var (rows, cols) = VideoComparator.OutputShape(query.Frames, target.Frames);
            var raw = new float[rows * cols];
            student.Comparator!.Forward(storedF2f, query.Frames, target.Frames, raw);
            _golden.Close($"{name} {pair}.comparator_raw", GoldenComparison.Read(outputs, pair + ".comparator_raw"), raw, 1e-5, 1e-4);
            var htanh = raw.Select(r => Math.Clamp(r, -1f, 1f)).ToArray();
            _golden.Close($"{name} {pair}.comparator_htanh", GoldenComparison.Read(outputs, pair + ".comparator_htanh"), htanh, 1e-5, 1e-4);

            _golden.Close($"{name} {pair}.similarity", GoldenComparison.Read(outputs, pair + ".similarity"), [student.Similarity(query, target)], 1e-5, 1e-4);
        }
    }

    [Theory]
    [InlineData("fg_att_student")]
    [InlineData("fg_bin_student")]
    public void Padded_batch_cases_follow_the_unpadded_per_pair_semantics(string name)
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden(name + ".weights.safetensors"));
        var student = FineGrainedStudent.Load(weights);
        string outputs = name + ".outputs.safetensors";
        var query = Stored(student, outputs, "v4");
        float[] unpadded = new[] { "v1", "v2", "v3" }.Select(t => student.Similarity(query, Stored(student, outputs, t))).ToArray();
        _golden.Close($"{name} masked.similarity_unpadded_reference", GoldenComparison.Read(outputs, "masked.similarity_unpadded_reference"), unpadded, 1e-5, 1e-4);
        var padded = GoldenComparison.Read(outputs, "masked.similarity");
        _golden.Note($"{name} masked.similarity (padded reference, not reproduced by design): [{string.Join(", ", padded)}] vs unpadded [{string.Join(", ", unpadded)}]");

        // batch.similarity: query v1 against v2 and v2 with its frames reversed.
        var v1 = Stored(student, outputs, "v1");
        var v2 = Stored(student, outputs, "v2");
        var flipped = Reverse(GoldenComparison.Read(outputs, "index.v2"), v2.Frames);
        var batch = new[] { student.Similarity(v1, v2), student.Similarity(v1, Features(student, flipped)) };
        _golden.Close($"{name} batch.similarity", GoldenComparison.Read(outputs, "batch.similarity"), batch, 1e-5, 1e-4);
    }

    [Fact]
    public void Binary_student_codes_match_golden_except_documented_ambiguous_bits()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("fg_bin_student.weights.safetensors"));
        var student = FineGrainedStudent.Load(weights);
        student.Variant.Should().Be(FineGrainedVariant.Binary);
        student.Bits.Should().Be(512);
        const string outputs = "fg_bin_student.outputs.safetensors";
        foreach (var v in Videos)
        {
            var index = student.IndexVideo(GoldenComparison.Read("videos.safetensors", v));
            var expected = Stored(student, outputs, v);
            index.Frames.Should().Be(expected.Frames);

            // Mark the ambiguous (t, region, bit) positions, pack the marks, and allow differences only there.
            var positions = GoldenComparison.ReadInt64(outputs, "ambiguous_positions." + v);
            var marks = new float[index.Frames * 9 * 512];
            for (int i = 0; i < positions.Length; i += 3) marks[(positions[i] * 9 + positions[i + 1]) * 512 + positions[i + 2]] = 1;
            var allowed = new ulong[index.Codes.Length];
            HammingKernel.PackSigns(marks, 512, allowed);

            int exactMismatches = 0, ambiguousFlips = 0;
            for (int w = 0; w < allowed.Length; w++)
            {
                ulong diff = index.Codes[w] ^ expected.Codes[w];
                exactMismatches += System.Numerics.BitOperations.PopCount(diff & ~allowed[w]);
                ambiguousFlips += System.Numerics.BitOperations.PopCount(diff & allowed[w]);
            }
            _golden.Note($"fg_bin_student index.{v}: {index.Codes.Length * 64} bits, {exactMismatches} mismatches outside the {positions.Length / 3} ambiguous positions, {ambiguousFlips} ambiguous bits flipped");
            exactMismatches.Should().Be(0, $"codes of {v} must match exactly outside ambiguous_positions");
        }
    }

    [Fact]
    public void Parameter_free_student_uses_the_regions_as_they_are()
    {
        using var weights = SafeTensorsFile.Open(SharedData.Golden("fg_bin_student.weights.safetensors"));
        // Only the comparator of the binary checkpoint: a parameter-free student has no other weights.
        using var comparatorOnly = new FilteredSource(weights, n => n.StartsWith("visil_head.", StringComparison.Ordinal));
        var student = FineGrainedStudent.Load(comparatorOnly);
        student.Variant.Should().Be(FineGrainedVariant.ParameterFree);
        var v3 = GoldenComparison.Read("videos.safetensors", "v3");
        var v4 = GoldenComparison.Read("videos.safetensors", "v4");
        var q = student.IndexVideo(v3);
        q.Values.ToArray().Should().Equal(v3);
        var t = student.IndexVideo(v4);

        var f2f = new float[q.Frames * t.Frames];
        ChamferKernel.FrameToFrame(v3, v4, 9, 512, f2f);
        var (rows, cols) = VideoComparator.OutputShape(q.Frames, t.Frames);
        var raw = new float[rows * cols];
        student.Comparator!.Forward(f2f, q.Frames, t.Frames, raw);
        float expected = VideoChamfer.Similarity(raw.Select(r => Math.Clamp(r, -1f, 1f)).ToArray(), rows, cols);
        student.Similarity(q, t).Should().Be(expected);
    }

    private static FineFeatures Stored(FineGrainedStudent student, string outputs, string video) =>
        Features(student, GoldenComparison.Read(outputs, "index." + video));

    private static FineFeatures Features(FineGrainedStudent student, float[] index)
    {
        if (student.Variant != FineGrainedVariant.Binary) return FineFeatures.FromValues(index, 9, student.Dims);
        var codes = new ulong[index.Length / 512 * HammingKernel.WordsPerCode(512)];
        HammingKernel.PackSigns(index, 512, codes);
        return FineFeatures.FromCodes(codes, 9, 512);
    }

    private static float[] Reverse(float[] video, int frames)
    {
        int frame = video.Length / frames;
        var result = new float[video.Length];
        for (int t = 0; t < frames; t++) video.AsSpan(t * frame, frame).CopyTo(result.AsSpan((frames - 1 - t) * frame, frame));
        return result;
    }
}
