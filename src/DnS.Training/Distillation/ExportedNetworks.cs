using System.Collections.Concurrent;
using DnS.Core.Networks;
using DnS.Training.Data;
using DnS.Training.Modules;
using DnS.Training.Teachers;
using DnS.Training.Weights;

namespace DnS.Training.Distillation;

/// <summary>
/// Networks in training, exported and run as DnS.Core runs them at search time: each video is embedded once (coarse
/// vector, selector self-similarity) and a pair costs one dot product or one fine comparison. Scoring thousands of pairs
/// this way takes seconds, where libtorch, which loads and embeds both videos of every pair, took minutes per pass
/// (docs/distillation.md, "where the time goes"); and the numbers are those of the models the folder installs.
/// </summary>
internal sealed class ExportedNetworks
{
    private const int PairsPerChunk = 64;

    private readonly DnsModels _models;
    private readonly IRegionFeatureSource _features;
    private readonly ParallelOptions _parallel;
    private readonly float[][] _coarseVectors;
    private readonly float[]? _selfSimilarities;

    private ExportedNetworks(DnsModels models, IRegionFeatureSource features, int parallelism)
    {
        _models = models;
        _features = features;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism };
        _coarseVectors = new float[features.Count][];
        var selector = models.Selector;
        _selfSimilarities = selector is null ? null : new float[features.Count];
        Parallel.For(0, features.Count, _parallel, v =>
        {
            var regions = features.GetFeatures(v).Span;
            _coarseVectors[v] = models.Coarse.IndexVideo(regions);
            if (selector is not null) _selfSimilarities![v] = selector.IndexVideo(regions);
        });
    }

    /// <summary>Exports the networks into <paramref name="directory"/> (replaced) and loads them back with DnS.Core.</summary>
    public static async Task<ExportedNetworks> ExportAsync(string directory, CoarseGrainedStudentModule coarse, FineGrainedStudentModule? fine, SelectorNetworkModule? selector,
        IRegionFeatureSource features, FineScoreCalibration? calibration, int parallelism, CancellationToken cancellationToken)
    {
        bool[] training = [coarse.training, fine?.training ?? false, selector?.training ?? false];
        coarse.eval();
        fine?.eval();
        selector?.eval();
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            await ModelFolderWriter.WriteAsync(directory, coarse, fine, selector, features.Regions, calibration, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            coarse.train(training[0]);
            fine?.train(training[1]);
            selector?.train(training[2]);
        }
        return new ExportedNetworks(DnsModels.Load(directory), features, parallelism);
    }

    /// <summary>The coarse student's similarity of every pair, in order.</summary>
    public float[] CoarseSimilarities(IReadOnlyList<ScoredPair> pairs)
    {
        var result = new float[pairs.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = CoarseGrainedStudent.Similarity(_coarseVectors[pairs[i].Anchor], _coarseVectors[pairs[i].Other]);
        return result;
    }

    /// <summary>The fine student's similarity in [−1, 1] of every pair, in order (pairs of one anchor embed it once).</summary>
    public float[] FineSimilarities(IReadOnlyList<ScoredPair> pairs)
    {
        var result = new float[pairs.Count];
        var fine = _models.Fine;
        Parallel.ForEach(Partitioner.Create(0, pairs.Count, PairsPerChunk), _parallel, range =>
        {
            int anchor = -1;
            FineFeatures? query = null;
            for (int i = range.Item1; i < range.Item2; i++)
            {
                if (pairs[i].Anchor != anchor)
                {
                    anchor = pairs[i].Anchor;
                    query = fine.IndexVideo(_features.GetFeatures(anchor).Span);
                }
                result[i] = fine.Similarity(query!, fine.IndexVideo(_features.GetFeatures(pairs[i].Other).Span));
            }
        });
        return result;
    }

    /// <summary>The selector's probability "re-rank this pair" for every pair, in order.</summary>
    /// <exception cref="InvalidOperationException">The networks were exported without a selector.</exception>
    public float[] SelectorProbabilities(IReadOnlyList<SelectorPair> pairs)
    {
        var selector = _models.Selector ?? throw new InvalidOperationException("the networks were exported without a selector");
        var result = new float[pairs.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = selector.Score(_selfSimilarities![pairs[i].Anchor], _selfSimilarities[pairs[i].Other], pairs[i].CoarseSimilarity);
        return result;
    }
}
