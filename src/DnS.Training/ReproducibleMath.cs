using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DnS.Training;

/// <summary>
/// Makes libtorch's CPU matrix products reproducible. Its MKL picks a code path by the operands' memory alignment
/// unless told otherwise, so the same step on the same values could differ in the last bits between two runs (measured:
/// up to 1e-4 after 16 steps of the text head), which breaks exact resume. <c>MKL_CBWR=AUTO,STRICT</c> (conditional
/// numerical reproducibility on the best instruction set, alignment-independent) is set in the native environment
/// when the assembly loads, before libtorch's first product; a value the user set is kept.
/// </summary>
internal static partial class ReproducibleMath
{
    public const string Variable = "MKL_CBWR";
    public const string Value = "AUTO,STRICT";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "MKL reads the variable once, at libtorch's first product; any later hook could come too late.")]
    internal static void Ensure()
    {
        if (OperatingSystem.IsWindows())
        {
            if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, Value);
            return;
        }
        // .NET keeps its own copy of the environment on Unix; MKL reads the C library's.
        _ = SetEnv(Variable, Value, overwrite: 0);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
