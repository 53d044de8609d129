using DnS.Core.Evaluation;
using DnS.Core.Features;
using DnS.Core.Indexing;
using DnS.Core.Networks;
using DnS.Core.Retrieval;
using DnS.Core.Storage;

namespace DnS.Samples.Corpus;

/// <summary>
/// Measures mAP, time per query and storage per video of retrieval configurations on a <see cref="SyntheticCorpus"/>:
/// features are extracted once, each model set indexes the corpus into an in-memory store, and every selection
/// policy searches it with each query.
/// </summary>
public static class TradeOffStudy
{
    /// <summary>Extracts every corpus video's region features (in corpus order).</summary>
    public static async Task<IReadOnlyList<(CorpusVideo Video, RegionFeatures Features)>> ExtractAsync(
        SyntheticCorpus corpus, IVideoFeatureExtractor extractor, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var result = new (CorpusVideo, RegionFeatures)[corpus.Videos.Count];
        await Parallel.ForAsync(0, result.Length, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            result[i] = (corpus.Videos[i], await extractor.ExtractAsync(corpus.Videos[i].Path, ct));
            progress?.Report(corpus.Videos[i].Id);
        });
        return result;
    }

    /// <summary>Runs every policy of every model set and returns one row each.</summary>
    /// <param name="corpus">The corpus (its annotation is the ground truth).</param>
    /// <param name="features">The extracted features of every corpus video.</param>
    /// <param name="configurations">Named model sets, each with the policies to measure on it.</param>
    /// <param name="cancellationToken">Stops between queries.</param>
    public static async Task<IReadOnlyList<TradeOffRow>> RunAsync(SyntheticCorpus corpus, IReadOnlyList<(CorpusVideo Video, RegionFeatures Features)> features,
        IReadOnlyList<(string Name, DnsModels Models, IReadOnlyList<SelectorPolicy> Policies)> configurations, CancellationToken cancellationToken = default)
    {
        var annotations = await FivrAnnotations.LoadAsync(corpus.AnnotationPath, cancellationToken);
        var videos = features.Select(f => new TradeOffVideo(f.Video.Id, f.Video.IsQuery, f.Features.Values)).ToList();
        return await RunAsync(annotations, videos, configurations, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Runs every policy of every model set on any labeled corpus and returns one row each (DSVR mAP);
    /// <paramref name="results"/> receives each row's full rankings (for the other FIVR tasks or per-edit AP).
    /// </summary>
    /// <param name="annotations">The ground truth.</param>
    /// <param name="videos">Every video's id, whether it is a query, and its T×R×D region features.</param>
    /// <param name="configurations">Named model sets, each with the policies to measure on it.</param>
    /// <param name="dataset">The FIVR dataset ids that rankings are restricted to (null: all).</param>
    /// <param name="results">Called with each row and its rankings.</param>
    /// <param name="cancellationToken">Stops between queries.</param>
    public static async Task<IReadOnlyList<TradeOffRow>> RunAsync(FivrAnnotations annotations, IReadOnlyList<TradeOffVideo> videos,
        IReadOnlyList<(string Name, DnsModels Models, IReadOnlyList<SelectorPolicy> Policies)> configurations, IReadOnlySet<string>? dataset = null,
        Action<TradeOffRow, SimilarityResults>? results = null, CancellationToken cancellationToken = default)
    {
        var rows = new List<TradeOffRow>();
        foreach (var (name, models, policies) in configurations)
        {
            await using var store = new InMemoryVideoStore(VideoRecordFactory.SchemaOf(models));
            var queries = new List<VideoRecord>();
            foreach (var video in videos)
            {
                var record = VideoRecordFactory.Create(models, video.Id, video.Regions.Span);
                await store.AddAsync(record, cancellationToken);
                if (video.IsQuery) queries.Add(record);
            }
            await store.CommitAsync(cancellationToken);
            var storage = store.GetStorageReport();
            // Single-threaded fine stage: per-query latency comparable across configurations.
            var engine = new RetrievalEngine(models, store, maxDegreeOfParallelism: 1);
            foreach (var policy in policies)
            {
                // Steady state: the first searches run on unoptimized (tier-0) JIT code; time the ones after.
                for (int warmup = 0; warmup < 3; warmup++)
                    foreach (var query in queries) engine.ScoreAll(query, policy, cancellationToken);
                var rankings = new SimilarityResults();
                double milliseconds = 0, finePairs = 0;
                foreach (var query in queries)
                {
                    var scores = engine.ScoreAll(query, policy, cancellationToken);
                    milliseconds += scores.Statistics.Total.TotalMilliseconds;
                    finePairs += scores.Statistics.FinePairs;
                    var entries = new List<(string, double)>();
                    for (int o = 0; o < scores.Merged.Length; o++)
                        if (scores.IsLive[o]) entries.Add((scores.Ids[o], scores.Merged[o]));
                    rankings.Add(query.Id, entries);
                }
                double map = FivrEvaluator.Evaluate(annotations, rankings, FivrTask.DSVR, dataset).MeanAveragePrecision;
                double bytes = policy.Kind == SelectionKind.CoarseOnly ? storage.CoarseBytesPerVideo : storage.CoarseBytesPerVideo + storage.FineBytesPerVideo;
                var row = new TradeOffRow($"{name}, {policy}", map, milliseconds / queries.Count, bytes / 1024, finePairs / queries.Count);
                rows.Add(row);
                results?.Invoke(row, rankings);
            }
        }
        return rows;
    }
}
