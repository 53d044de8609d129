using BenchmarkDotNet.Running;
using DnS.Benchmarks.Infrastructure;

// ./build.sh bench -- --filter '*Chamfer*'      (no arguments: interactive menu; --filter '*' runs everything)
// build.sh forwards its own "--" separator through `dotnet run -- "$@"`; BenchmarkDotNet would read it as the end
// of its options, so it is dropped here.
if (args is ["--", ..])
    args = args[1..];

// A job named on the command line (--job Dry, --job Short, ...) replaces the default one and is forced in-process:
// an out-of-process toolchain would build a second executable whose libLibTorchSharp.so is not patched
// (docs/torchsharp-compat.md), and would build the project again.
var namesJob = args.Any(a => a is "-j" or "--job" || a.StartsWith("--job=", StringComparison.Ordinal));
if (namesJob && !args.Any(a => a is "-i" or "--inProcess"))
    args = [.. args, "--inProcess"];
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(args, BenchmarkConfig.Create(withDefaultJob: !namesJob));
