using DnS.Core.Storage;
using DnS.Training.SelfSupervised;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace DnS.Training.Tests.SelfSupervised;

[Collection(TorchCollection.Name)]
public sealed class AugmentedViewExtractorTests(AugmentedViewCorpus corpus, ITestOutputHelper output)
{
    private static double MeanAbsDifference(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return sum / a.Length;
    }

    [Fact]
    public async Task Views_keep_the_shape_of_the_video_but_differ_from_it_and_from_each_other()
    {
        var store = await corpus.StoreAsync();
        store.Count.Should().Be(corpus.Videos.Count * AugmentedViewCorpus.ViewsPerVideo);
        foreach (var (id, path) in corpus.Videos)
        {
            var original = await corpus.Extractor.ExtractAsync(path);
            store.TryGetRecord(AugmentedViewId.Format(id, 0), out var first).Should().BeTrue();
            store.TryGetRecord(AugmentedViewId.Format(id, 1), out var second).Should().BeTrue();
            foreach (var view in new[] { first, second })
            {
                view.Frames.Should().Be(original.Frames, id);
                view.FineFloats.Length.Should().Be(original.Values.Length, id);
            }
            double toOriginal = MeanAbsDifference(first.FineFloats.ToArray(), original.Values);
            double between = MeanAbsDifference(first.FineFloats.ToArray(), second.FineFloats.ToArray());
            output.WriteLine($"{id}: {original.Frames} frames, mean |view0 − original| {toOriginal:F4}, |view0 − view1| {between:F4}");
            toOriginal.Should().BeGreaterThan(1e-3, id);
            between.Should().BeGreaterThan(1e-3, id);
        }
    }

    [Fact]
    public async Task Views_repeat_for_a_seed_and_change_with_it()
    {
        var (id, path) = corpus.Videos[0];
        var a = await corpus.NewViewExtractor(seed: 3).ExtractViewsAsync(id, path);
        var b = await corpus.NewViewExtractor(seed: 3).ExtractViewsAsync(id, path);
        var c = await corpus.NewViewExtractor(seed: 4).ExtractViewsAsync(id, path);
        a[1].Values.Should().Equal(b[1].Values);
        MeanAbsDifference(a[1].Values, c[1].Values).Should().BeGreaterThan(1e-3);
        corpus.NewViewExtractor(seed: 3).ViewParameters(id, 1).Should().Be(corpus.NewViewExtractor(seed: 3).ViewParameters(id, 1));
    }

    [Fact]
    public async Task Identity_views_are_the_encoder_own_features()
    {
        var identity = new PixelAugmentationOptions
        {
            MinCropArea = 1, MaxAspectChange = 1, FlipProbability = 0, Brightness = 0, Contrast = 0, Saturation = 0,
            GrayscaleProbability = 0, BlurProbability = 0, NoiseProbability = 0,
        };
        var (id, path) = corpus.Videos[1];
        var views = await new AugmentedViewExtractor(corpus.Extractor, AugmentedViewCorpus.Decoding, 1, 0, identity).ExtractViewsAsync(id, path);
        var original = await corpus.Extractor.ExtractAsync(path);
        views[0].Frames.Should().Be(original.Frames);
        double worst = 0;
        for (int i = 0; i < original.Values.Length; i++) worst = Math.Max(worst, Math.Abs(views[0].Values[i] - original.Values[i]));
        output.WriteLine($"identity view vs extractor: worst |err| {worst:E2}");
        worst.Should().BeLessThan(1e-4);
    }

    [Fact]
    public async Task A_second_run_skips_videos_already_in_the_store_and_a_wrong_schema_is_refused()
    {
        var store = await corpus.StoreAsync();
        var rerun = await corpus.NewViewExtractor().ExtractAsync(corpus.Videos, store);
        rerun.Indexed.Should().BeEmpty();
        rerun.Skipped.Should().HaveCount(corpus.Videos.Count);
        await using var wrong = await FileVideoStore.CreateOrOpenAsync(corpus.NewFolder("wrong"), new StoreSchema(0, FineFeatureKind.Float, 9, 64));
        var act = () => corpus.NewViewExtractor().ExtractAsync(corpus.Videos, wrong);
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*schema*");
    }
}

