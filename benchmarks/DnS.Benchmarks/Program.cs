using BenchmarkDotNet.Running;
using DnS.Benchmarks.Infrastructure;

// ./build.sh bench -- --filter '*Chamfer*'   (no arguments: interactive menu; --filter '*' runs everything)
BenchmarkSwitcher.FromAssembly(typeof(BenchmarkConfig).Assembly).Run(args, BenchmarkConfig.Create());
