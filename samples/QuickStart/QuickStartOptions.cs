namespace QuickStart;

/// <summary>The quick start's command line: <c>[--report DIR] [--models DIR]</c>.</summary>
internal sealed record QuickStartOptions(string? ReportDirectory, string? Models, string Arguments)
{
    public static QuickStartOptions Parse(string[] args)
    {
        string? report = null, models = null;
        for (int i = 0; i < args.Length; i += 2)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--report" when value is not null: report = value; break;
                case "--models" when value is not null: models = value; break;
                default: throw new ArgumentException($"usage: QuickStart [--report <dir>] [--models <distilled model folder>], got '{string.Join(' ', args)}'");
            }
        }
        if (models is not null && !File.Exists(Path.Combine(models, DnS.Core.Networks.DnsModels.ConfigFileName)))
            throw new ArgumentException($"--models {models}: not a model folder ({DnS.Core.Networks.DnsModels.ConfigFileName} is missing)");
        return new QuickStartOptions(report, models, string.Join(' ', args));
    }
}
