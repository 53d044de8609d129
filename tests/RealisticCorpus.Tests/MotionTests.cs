using FluentAssertions;
using RealisticCorpus;
using Xunit;

namespace RealisticCorpus.Tests;

/// <summary>The CS/IS geometry: the disjoint view never shows a pixel column the query shows; the overlapping view does.</summary>
public sealed class MotionTests
{
    /// <summary>
    /// Horizontal extent (fractions of the canvas) any window of the path can cover. Eased and linear moves stay
    /// between their keyframes, so the extremes over keyframes of center ± half width, widened by the shake's
    /// amplitude (1.5 × its first sine) and its 2 % zoom breathing, bound every frame.
    /// </summary>
    private static (double Min, double Max) Extent(Motion m)
    {
        double shake = m.Shake is null ? 0 : 1.5 * m.Shake.Amplitude;
        double breathing = m.Shake is null ? 1 : 0.98;
        double min = m.Keyframes.Min(k => k.X - 0.5 / (k.Zoom * breathing)) - shake;
        double max = m.Keyframes.Max(k => k.X + 0.5 / (k.Zoom * breathing)) + shake;
        return (min, max);
    }

    [Fact]
    public void Disjoint_view_is_right_of_every_query_window_and_overlapping_view_overlaps()
    {
        var plan = CorpusPlanner.Create(PlanTests.FakeSources(), new PlanOptions(Seed: 11, Queries: 12, Distractors: 30));
        var views = plan.Clips.Where(c => c.Label is "CS" or "IS").ToArray();
        views.Should().NotBeEmpty();
        foreach (var view in views)
        {
            var query = plan.Clips.Single(c => c.Id == view.Query);
            var (_, queryMax) = Extent(query.Motion!);
            var (viewMin, _) = Extent(view.Motion!);
            if (view.Label == "IS") viewMin.Should().BeGreaterThan(queryMax, $"{view.Id} must not show what {query.Id} shows");
            else viewMin.Should().BeLessThan(queryMax, $"{view.Id} must overlap {query.Id}");
        }
    }

    [Fact]
    public void Zoompan_expression_interpolates_between_keyframes()
    {
        var motion = new Motion(MotionStyle.Pan, [new Keyframe(0, 0.25, 0.5, 1.5, false), new Keyframe(99, 0.75, 0.5, 2.5, false)], null);
        var filter = MotionPaths.Zoompan(motion, 100, 480, 270, 25);
        filter.Should().StartWith("zoompan=z='if(lt(on,99),1.5+1*(on-0)/99,2.5)'")
            .And.Contain("x='max(0,min(iw-iw/zoom,(if(lt(on,99),0.25+0.5*(on-0)/99,0.75))*iw-iw/zoom/2))'")
            .And.EndWith(":d=100:s=480x270:fps=25");
    }
}
