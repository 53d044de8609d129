using DnS.Core.Features;
using DnS.Samples.Corpus;
using DnS.Training.Data;

namespace DistillationStudy;

/// <summary>The evaluation corpus's features, extracted once into a feature set, in the two shapes the evaluations take.</summary>
internal static class EvaluationCorpus
{
    public static int IndexOf(IRegionFeatureSource features, string id)
    {
        for (int i = 0; i < features.Count; i++)
            if (features.GetId(i) == id) return i;
        throw new KeyNotFoundException($"video '{id}' has no features (its extraction failed)");
    }

    /// <summary>The (video, features) list <see cref="TradeOffStudy.RunAsync"/> takes, in corpus order.</summary>
    public static IReadOnlyList<(CorpusVideo Video, RegionFeatures Features)> ForTradeOff(SyntheticCorpus corpus, IRegionFeatureSource features) =>
        corpus.Videos.Select(video =>
        {
            int i = IndexOf(features, video.Id);
            return (video, new RegionFeatures(features.GetFeatures(i).ToArray(), features.GetFrames(i), features.Regions, features.Dims));
        }).ToList();
}
