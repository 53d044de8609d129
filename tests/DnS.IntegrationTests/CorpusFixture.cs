using DnS.Samples.Corpus;
using Xunit;

namespace DnS.IntegrationTests;

/// <summary>A small generated corpus (2 sources × 8 edits in 5 containers + 2 distractors), shared by the CLI tests.</summary>
public sealed class CorpusFixture : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("dns-corpus-").FullName;

    public SyntheticCorpus Corpus { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Corpus = await SyntheticCorpus.GenerateAsync(Path.Combine(Directory, "videos"), new SyntheticCorpusOptions { Sources = 2, Distractors = 2, Seconds = 8 });

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}
