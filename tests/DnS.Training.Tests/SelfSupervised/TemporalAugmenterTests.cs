using DnS.Training.SelfSupervised;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.SelfSupervised;

public sealed class TemporalAugmenterTests
{
    private static readonly TemporalAugmentationOptions None = new() { CropProbability = 0, SpeedProbability = 0, DropProbability = 0 };

    [Fact]
    public void Without_edits_the_clip_is_the_video()
        => TemporalAugmenter.Sample(new Random(1), 7, None).Should().Equal(0, 1, 2, 3, 4, 5, 6);

    [Fact]
    public void Speed_two_skips_every_other_frame_and_half_speed_repeats_each()
    {
        TemporalAugmenter.Sample(new Random(1), 7, None with { SpeedProbability = 1, MinSpeed = 2, MaxSpeed = 2 }).Should().Equal(0, 2, 4);
        TemporalAugmenter.Sample(new Random(1), 3, None with { SpeedProbability = 1, MinSpeed = 0.5, MaxSpeed = 0.5 }).Should().Equal(0, 0, 1, 1, 2, 2);
    }

    [Fact]
    public void Dropping_everything_keeps_one_frame_and_the_cap_cuts_a_window()
    {
        TemporalAugmenter.Sample(new Random(2), 9, None with { DropProbability = 1, DropRate = 1 }).Should().ContainSingle().Which.Should().BeInRange(0, 8);
        var window = TemporalAugmenter.Sample(new Random(2), 40, None with { MaxFrames = 5 });
        window.Should().HaveCount(5);
        for (int i = 1; i < 5; i++) window[i].Should().Be(window[0] + i);
    }

    [Fact]
    public void Random_edits_stay_in_range_repeat_for_a_seed_and_vary_the_clip()
    {
        var options = new TemporalAugmentationOptions { CropProbability = 0.7, SpeedProbability = 0.7, DropProbability = 0.7, MaxFrames = 12 };
        var random = new Random(5);
        var again = new Random(5);
        var lengths = new HashSet<int>();
        for (int trial = 0; trial < 200; trial++)
        {
            var clip = TemporalAugmenter.Sample(random, 16, options);
            clip.Should().Equal(TemporalAugmenter.Sample(again, 16, options));
            clip.Length.Should().BeInRange(1, 12);
            clip.Should().OnlyContain(f => f >= 0 && f < 16);
            clip.Should().BeInAscendingOrder();
            lengths.Add(clip.Length);
        }
        lengths.Count.Should().BeGreaterThan(5);
    }
}
