using System.Diagnostics;
using DnS.Core.Kernels;
using FluentAssertions;
using Xunit;

namespace DnS.Core.Tests.Kernels;

/// <summary>The ImageSharp habit: re-run the kernel self-check (tests/DnS.KernelCheck) in child processes with
/// instruction sets switched off, so each narrower path is checked against the scalar path on real dispatch.</summary>
public class KernelIsaFallbackTests
{
    public static TheoryData<string, SimdPath> Switches => new()
    {
        { string.Empty, SimdPath.Vector512 },
        // .NET 10 groups AVX-512 as EnableAVX512; EnableAVX512F is the .NET 8/9 spelling. Both are set.
        { "DOTNET_EnableAVX512F=0;DOTNET_EnableAVX512=0", SimdPath.Vector256 },
        { "DOTNET_EnableAVX2=0", SimdPath.Vector128 },
        { "DOTNET_EnableHWIntrinsic=0", SimdPath.Scalar },
    };

    [Theory]
    [MemberData(nameof(Switches))]
    public void SelfCheckPassesWithInstructionSetsDisabled(string environment, SimdPath cap)
    {
        string check = Path.Combine(AppContext.BaseDirectory, "DnS.KernelCheck.dll");
        // The test host normally runs under the dotnet muxer; reuse it so the child gets the same runtime.
        string host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo(host, [check]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string assignment in environment.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = assignment.Split('=');
            start.Environment[parts[0]] = parts[1];
        }

        using Process child = Process.Start(start)!;
        string output = child.StandardOutput.ReadToEnd();
        string errors = child.StandardError.ReadToEnd();
        child.WaitForExit();

        SimdPath expected = (SimdPath)Math.Min((int)cap, (int)SimdCapabilities.Best);
        output.Should().StartWith($"best={expected}", errors);
        output.Should().Contain("hamming maxdiff=0").And.Contain("quantized maxdiff=0").And.Contain("batchdot maxdiff=0").And.EndWith("ok" + Environment.NewLine, errors);
        child.ExitCode.Should().Be(0, output + errors);
    }
}
