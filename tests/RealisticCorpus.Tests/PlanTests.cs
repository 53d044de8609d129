using System.Text.Json;
using FluentAssertions;
using RealisticCorpus;
using Xunit;

namespace RealisticCorpus.Tests;

/// <summary>The plan from metadata alone (no files): deterministic, consistently labeled, balanced.</summary>
public sealed class PlanTests
{
    /// <summary>A source list shaped like the Debian one: many groups per category, a video, a logo and a font.</summary>
    internal static IReadOnlyList<SourceFile> FakeSources(string folder = "/nonexistent")
    {
        var files = new List<SourceFile>();
        void Add(string package, string path, SourceCategory category, int width, int height, double duration = 0, string? group = null) =>
            files.Add(new SourceFile($"s{files.Count:D3}", package, "1.0", path, Path.Combine(folder, Path.GetFileName(path)), category,
                group ?? $"{package}:{path}", width, height, duration));
        for (int i = 0; i < 20; i++) Add("photos", $"p/{i}.jpg", SourceCategory.Photo, i % 2 == 0 ? 3840 : 800, 2400);
        for (int i = 0; i < 6; i++) Add("panoramas", $"l/site{i / 3}/{i}.png", SourceCategory.Photo, 2048, 1024, group: $"panoramas:site{i / 3}");
        for (int i = 0; i < 10; i++) Add("screens", $"s/{i}.png", SourceCategory.Screencast, 1920, 1080);
        for (int i = 0; i < 12; i++) Add("art", $"a/{i}.png", SourceCategory.Animation, 1920, 1080);
        Add("game", "g/intro.ogg", SourceCategory.Animation, 1024, 768, 8.5);
        for (int i = 0; i < 8; i++) Add("game", $"g/{i}.png", SourceCategory.Game, 2048, 2048);
        Add("logos", "logo.png", SourceCategory.Logo, 256, 256);
        Add("fonts", "font.ttf", SourceCategory.Font, 0, 0);
        return files;
    }

    private static string Serialize(CorpusPlan plan) => JsonSerializer.Serialize(plan, CorpusFiles.Json);

    [Fact]
    public void Same_seed_gives_the_same_plan_and_another_seed_another()
    {
        var sources = FakeSources();
        var a = Serialize(CorpusPlanner.Create(sources, new PlanOptions(Seed: 7, Queries: 12, Distractors: 30)));
        var b = Serialize(CorpusPlanner.Create(sources, new PlanOptions(Seed: 7, Queries: 12, Distractors: 30)));
        var c = Serialize(CorpusPlanner.Create(sources, new PlanOptions(Seed: 8, Queries: 12, Distractors: 30)));
        b.Should().Be(a);
        c.Should().NotBe(a);
    }

    [Fact]
    public void Labels_relations_and_balance_hold()
    {
        var sources = FakeSources();
        var plan = CorpusPlanner.Create(sources, new PlanOptions(Seed: 3, Queries: 12, Distractors: 30, EditsPerQuery: 9));
        var byId = plan.Clips.ToDictionary(c => c.Id);
        var source = sources.ToDictionary(s => s.Id);
        var queries = plan.Clips.Where(c => c.Role == "query").ToArray();
        var distractors = plan.Clips.Where(c => c.Role == "distractor").ToArray();
        var copies = plan.Clips.Where(c => c.Role == "copy").ToArray();

        queries.Should().HaveCount(12);
        distractors.Should().HaveCount(30);
        plan.Clips.Select(c => c.Id).Should().OnlyHaveUniqueItems().And.AllSatisfy(id => id.Should().MatchRegex("^v[0-9]{4}$"));
        // No distractor shows a query's scene.
        var queryGroups = queries.Select(q => source[q.Source!].Group).ToHashSet();
        queryGroups.Should().HaveCount(12);
        distractors.Should().AllSatisfy(d => queryGroups.Should().NotContain(source[d.Source!].Group));
        foreach (var q in queries)
        {
            var mine = copies.Where(c => c.Query == q.Id).ToArray();
            mine.Count(c => c.Label == "ND").Should().Be(9);
            mine.Where(c => c.Label == "ND").Select(c => c.Edit).Should().OnlyHaveUniqueItems();
            mine.Where(c => c.Label == "DS").Should().ContainSingle().Which.Edit.Should().Be(EditKinds.Partial);
            bool wide = !source[q.Source!].IsVideo && source[q.Source!].Width >= 1600 && q.Category is "photo" or "camera";
            mine.Count(c => c.Label is "CS" or "IS").Should().Be(wide ? 2 : 0);
            foreach (var view in mine.Where(c => c.Label is "CS" or "IS")) view.Source.Should().Be(q.Source);
        }
        copies.Where(c => c.From is not null).Should().AllSatisfy(c => byId[c.From!].Role.Should().Be("query"));
        copies.Where(c => c.Background is not null).Should().AllSatisfy(c => byId[c.Background!].Role.Should().Be("distractor"))
            .And.HaveCount(copies.Count(c => c.Edit.StartsWith("inset", StringComparison.Ordinal)));
        // 12 queries × 9 edits over 18 kinds: 6 copies of each.
        copies.Where(c => c.Label == "ND").GroupBy(c => c.Edit).Should().HaveCount(18).And.AllSatisfy(g => g.Should().HaveCount(6));
        plan.Clips.Where(c => c.Source is not null && !source[c.Source].IsVideo).Should()
            .AllSatisfy(c => c.Duration.Should().BeInRange(10, 60));
    }

    [Fact]
    public async Task Annotation_file_is_FIVR_format_with_the_planned_labels()
    {
        var folder = Directory.CreateTempSubdirectory("corpus-plan-").FullName;
        try
        {
            var plan = CorpusPlanner.Create(FakeSources(), new PlanOptions(Seed: 5, Queries: 12, Distractors: 30));
            await CorpusFiles.WriteAsync(folder, folder, plan, CancellationToken.None);
            var annotations = await DnS.Core.Evaluation.FivrAnnotations.LoadAsync(Path.Combine(folder, "annotation.json"));
            annotations.Queries.Select(q => q.Query).Should().Equal(File.ReadAllLines(Path.Combine(folder, "queries.txt")));
            foreach (var (query, labels) in annotations.Queries)
                foreach (var (label, ids) in labels)
                    ids.Should().BeEquivalentTo(plan.Clips.Where(c => c.Query == query && c.Label == label).Select(c => c.Id));
            var copies = await CorpusFiles.LoadCopiesAsync(Path.Combine(folder, "edits.json"), CancellationToken.None);
            copies.Should().HaveCount(plan.Clips.Count(c => c.Role == "copy"));
            File.ReadAllLines(Path.Combine(folder, "dataset.txt")).Should().HaveCount(plan.Clips.Count);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
