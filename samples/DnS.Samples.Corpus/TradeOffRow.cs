namespace DnS.Samples.Corpus;

/// <summary>One configuration of the accuracy / speed / storage trade-off (the shape of the DnS paper's table).</summary>
/// <param name="Configuration">Models and selection, e.g. <c>binary fine, topk:10</c>.</param>
/// <param name="MeanAveragePrecision">mAP over the corpus queries (FIVR protocol, near-duplicates relevant).</param>
/// <param name="MillisecondsPerQuery">Mean search time per query over the whole database (features already extracted, measured after warm-up searches).</param>
/// <param name="KilobytesPerVideo">Index storage the configuration needs per video (coarse only, or coarse + fine).</param>
/// <param name="FinePairsPerQuery">Mean pairs re-scored by the fine student per query.</param>
public sealed record TradeOffRow(string Configuration, double MeanAveragePrecision, double MillisecondsPerQuery, double KilobytesPerVideo, double FinePairsPerQuery);
