using DnS.Training.Weights;
using FluentAssertions;
using Xunit;

namespace DnS.Training.Tests.Weights;

public sealed class CheckpointFolderTests
{
    [Fact]
    public void A_checkpoint_of_another_run_is_deleted_and_this_one_resumed()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"dns-checkpoint-{Guid.NewGuid():N}");
        try
        {
            CheckpointFolder.TryResume(null, _ => throw new InvalidOperationException("never"), out var discarded).Should().BeFalse();
            discarded.Should().BeNull();
            CheckpointFolder.TryResume(directory, _ => throw new InvalidOperationException("never"), out discarded).Should().BeFalse("there is no checkpoint yet");
            discarded.Should().BeNull();

            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, CheckpointFolder.StateFileName), "{}");
            string? loaded = null;
            CheckpointFolder.TryResume(directory, d => loaded = d, out discarded).Should().BeTrue();
            loaded.Should().Be(directory);
            discarded.Should().BeNull();

            CheckpointFolder.TryResume(directory, _ => throw new InvalidOperationException("checkpoint of seed 5 cannot resume seed 6"), out discarded).Should().BeFalse();
            discarded.Should().Be("checkpoint of seed 5 cannot resume seed 6");
            Directory.Exists(directory).Should().BeFalse("a foreign checkpoint would be refused again on every rerun");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
