using System.Globalization;
using DnS.Core.Networks;
using DnS.Samples.Corpus;
using ScottPlot;

namespace QuickStart;

/// <summary>Prints the trade-off rows and writes them as markdown and a PNG plot (mAP against time per query).</summary>
internal static class TradeOffTable
{
    public static void Print(IReadOnlyList<TradeOffRow> rows, TextWriter output)
    {
        output.WriteLine($"   {"configuration",-26} {"mAP",7} {"ms/query",9} {"KB/video",9} {"fine pairs",11}");
        foreach (var r in rows)
            output.WriteLine($"   {r.Configuration,-26} {r.MeanAveragePrecision,7:F4} {r.MillisecondsPerQuery,9:F2} {r.KilobytesPerVideo,9:F2} {r.FinePairsPerQuery,11:F1}");
    }

    public static void Write(IReadOnlyList<TradeOffRow> rows, SyntheticCorpus corpus, QuickStartOptions options, string directory)
    {
        Directory.CreateDirectory(directory);
        var md = new StringWriter(CultureInfo.InvariantCulture);
        md.WriteLine(options.Models is null
            ? "# Accuracy / speed / storage trade-off (generated corpus, built-in models)"
            : "# Accuracy / speed / storage trade-off (generated corpus, built-in and distilled models)");
        md.WriteLine();
        md.WriteLine($"Corpus: {corpus.Queries.Count()} source clips × {SyntheticCorpus.TransformNames.Count} edits ({string.Join(", ", SyntheticCorpus.TransformNames)}) " +
                     $"+ distractors = {corpus.Videos.Count} videos (`SyntheticCorpus`, default options). mAP by the FIVR protocol with the copies as relevant; " +
                     "time per query = coarse scan + selection + fine re-ranking over the whole database on one thread, features already extracted, after three warm-up passes. " +
                     $"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}. " +
                     "Timings on this shared VM vary up to 2× between runs. " +
                     $"Reproduce: `./build.sh run -- {options.Arguments}`.");
        md.WriteLine();
        md.WriteLine("| configuration | mAP | ms/query | KB/video | fine pairs/query |");
        md.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var r in rows)
            md.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Configuration} | {r.MeanAveragePrecision:F4} | {r.MillisecondsPerQuery:F2} | {r.KilobytesPerVideo:F2} | {r.FinePairsPerQuery:F1} |"));
        md.WriteLine();
        md.WriteLine(options.Models is null
            ? "DnS rows (selector network at 5 % / 30 %) need distilled students and a trained selector: run with `--models <folder>` of a distilled model set."
            : "`float` and `binary` are the built-in parameter-free models. `distilled` is the model folder " +
              $"`{options.Models}` (fine attention student, coarse student and selector distilled on a separate generated training corpus, " +
              "see [distillation.md](distillation.md)); `dns:F` re-ranks the fraction F of the database its selector network picks and ranks those pairs by " +
              $"the folder's fine score calibration {DnsModels.ReadConfig(options.Models).FineCalibration ?? FineScoreCalibration.Reference} (s = fine score), the others by coarse score.");
        md.WriteLine();
        md.WriteLine("![trade-off](tradeoff.png)");
        File.WriteAllText(Path.Combine(directory, "tradeoff.md"), md.ToString());

        var plot = new Plot();
        foreach (var r in rows)
        {
            var point = plot.Add.Scatter(new[] { r.MillisecondsPerQuery }, new[] { r.MeanAveragePrecision });
            point.MarkerSize = 10 + (float)Math.Sqrt(r.KilobytesPerVideo);
            point.LegendText = $"{r.Configuration} ({r.KilobytesPerVideo:F1} KB/video)";
        }
        plot.Axes.Bottom.Label.Text = "ms per query (one thread, whole database)";
        plot.Axes.Left.Label.Text = "mAP";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => v.ToString("G3", CultureInfo.InvariantCulture) };
        plot.Title("DnS.NET trade-off on the generated corpus (marker size ~ storage)");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(Path.Combine(directory, "tradeoff.png"), 1100, 500);
    }
}
