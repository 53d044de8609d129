using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DnS.Core.Retrieval;
using FluentAssertions;
using Xunit;

namespace DnS.Cluster.Tests;

/// <summary>End to end: three `dns-cluster-host silo` processes on localhost ports, indexed and searched through
/// <see cref="DnsClusterHosting.ConnectAsync"/>; one silo is killed (no clean shutdown) and started again.</summary>
public sealed class ClusterProcessTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Cluster_of_three_silo_processes_ranks_like_one_engine_and_recovers_a_killed_silo()
    {
        string root = Path.Combine(Path.GetTempPath(), $"dns-cluster-e2e-{Guid.NewGuid():N}");
        var ports = FreePorts(6);
        var silos = new SiloProcess?[3];
        var clock = Stopwatch.StartNew();
        void Step(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {what}");
        try
        {
            // All three at once: the others keep trying to join until the primary (silo port ports[0]) is up.
            var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => SiloProcess.StartAsync(root, ports[i], ports[3 + i], ports[0])));
            started.CopyTo(silos, 0);

            Step("silos ready");
            string gateways = string.Join(',', ports[3..].Select(p => $"127.0.0.1:{p}"));
            await using var client = await DnsClusterHosting.ConnectAsync(gateways);
            var records = GoldenModels.Records(150, seed: 21);
            (await client.AddAsync(records)).Should().Be(150);
            (await client.GetShardCountAsync()).Should().Be(SiloProcess.Shards);
            var engine = await ClusterSearchTests.UnionEngineAsync(records);
            var queries = GoldenModels.Records(1, seed: 22, first: 50_000);
            var policies = new[] { SelectorPolicy.SelectorFraction(0.05), SelectorPolicy.TopK(10) };

            async Task ExpectSameAsEngineAsync()
            {
                foreach (var policy in policies)
                foreach (var query in queries)
                {
                    var result = await client.SearchAsync(query, policy, top: 15);
                    result.IsPartial.Should().BeFalse();
                    result.Result.Hits.Should().HaveCount(15);
                    ClusterSearchTests.ShouldMatchUpToTies(result.Result.Hits, top => engine.Search(query, policy, top).Hits, $"{query.Id}, {policy}");
                }
            }

            Step("indexed");
            await ExpectSameAsEngineAsync();
            Step("searched");

            // The dns tool against the cluster: a search by id equals the engine's; an unreachable cluster is one line, exit 1.
            var (code, stdout, stderr) = await RunDnsAsync("search", records[7].Id, "--cluster", gateways, "--policy", "dns:0.05", "--top", "15", "--json");
            code.Should().Be(0, stderr);
            var hits = JsonDocument.Parse(stdout).RootElement.GetProperty("hits").EnumerateArray()
                .Select(h => (h.GetProperty("id").GetString(), h.GetProperty("score").GetSingle())).ToArray();
            // Hits of equal score may come in another order (ClusterSearchTests.ShouldMatchUpToTies).
            hits.OrderByDescending(h => h.Item2).ThenBy(h => h.Item1, StringComparer.Ordinal).Should().Equal(
                engine.Search(records[7].Id, SelectorPolicy.SelectorFraction(0.05), top: 15).Hits.Select(h => ((string?)h.Id, h.Score))
                    .OrderByDescending(h => h.Item2).ThenBy(h => h.Item1, StringComparer.Ordinal));
            var unreachable = await RunDnsAsync("search", records[7].Id, "--cluster", $"127.0.0.1:{FreePorts(1)[0]}");
            unreachable.Code.Should().Be(1);
            unreachable.Stderr.Trim().Should().StartWith("error: DnS cluster at 127.0.0.1:").And.NotContain("   at ");
            Step("dns search");

            // A silo dies without shutting down (its store locks go with the process), then comes back on its ports.
            silos[2]!.Kill();
            silos[2] = await SiloProcess.StartAsync(root, ports[2], ports[5], ports[0]);
            Step("restarted");
            await ExpectSameAsEngineAsync();
            Step("searched again");
            (await client.CountAsync()).Should().Be(150);
        }
        finally
        {
            foreach (var silo in silos) silo?.Kill();
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Dns_cluster_index_routes_an_index_of_real_videos_and_dns_search_ranks_like_the_index()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"dns-cluster-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        SiloProcess? silo = null;
        try
        {
            // Three short ffmpeg clips, indexed by dns with its built-in networks; the silo runs the index's networks.
            foreach (var (name, source) in new[] { ("a", "testsrc"), ("b", "testsrc2"), ("c", "mandelbrot") })
                await RunAsync("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", $"{source}=size=160x120:rate=10", "-t", "4", Path.Combine(folder, $"{name}.mp4"));
            string index = Path.Combine(folder, "idx");
            (await RunDnsAsync("index", "--features", "builtin", folder, "--index", index)).Code.Should().Be(0);
            var ports = FreePorts(2);
            silo = await SiloProcess.StartAsync(Path.Combine(folder, "shards"), ports[0], ports[1], ports[0], models: index);
            string gateway = $"127.0.0.1:{ports[1]}";

            var routed = await RunDnsAsync("cluster", "index", "--index", index, "--cluster", gateway);
            routed.Code.Should().Be(0, routed.Stderr);
            routed.Stdout.Should().Contain("3 videos");
            foreach (var query in new[] { "a", Path.Combine(folder, "c.mp4") })
            {
                var local = await RunDnsAsync("search", query, "--index", index, "--policy", "topk:2", "--json");
                var remote = await RunDnsAsync("search", query, "--cluster", gateway, "--index", index, "--policy", "topk:2", "--json");
                remote.Code.Should().Be(0, remote.Stderr);
                Hits(remote.Stdout).Should().Equal(Hits(local.Stdout)).And.HaveCount(2);
            }
        }
        finally
        {
            silo?.Kill();
            Directory.Delete(folder, recursive: true);
        }

        static string[] Hits(string json) => [.. JsonDocument.Parse(json).RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetRawText())];
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunDnsAsync(params string[] arguments) =>
        RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "dns.dll"), .. arguments]);

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Ports the OS reports free (bound to port 0 together, so they are distinct, then released).</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var l in listeners) l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }

    private sealed class SiloProcess
    {
        public const int Shards = 3;
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private SiloProcess(Process process) => _process = process;

        public static async Task<SiloProcess> StartAsync(string root, int siloPort, int gatewayPort, int primaryPort, string? models = null)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "dns-cluster-host.dll"), "silo", "--root", root, "--shards", Shards.ToString(CultureInfo.InvariantCulture),
                "--models", models ?? GoldenModels.Folder, "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
                "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture), "--primary-port", primaryPort.ToString(CultureInfo.InvariantCulture),
            })
                start.ArgumentList.Add(argument);
            var silo = new SiloProcess(Process.Start(start)!);
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            silo._process.OutputDataReceived += (_, e) =>
            {
                lock (silo._output) silo._output.AppendLine(e.Data);
                if (e.Data?.StartsWith("ready", StringComparison.Ordinal) == true) ready.TrySetResult();
            };
            silo._process.ErrorDataReceived += (_, e) => { lock (silo._output) silo._output.AppendLine(e.Data); };
            silo._process.BeginOutputReadLine();
            silo._process.BeginErrorReadLine();
            var exited = silo._process.WaitForExitAsync();
            var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
            if (first != ready.Task)
            {
                silo.Kill();
                lock (silo._output) throw new InvalidOperationException($"silo {siloPort} did not start:\n{silo._output}");
            }
            return silo;
        }

        public void Kill()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            _process.Dispose();
        }
    }
}
