using System.Runtime;

namespace DnS.Training;

/// <summary>
/// Runs a block of libtorch calls without a garbage collection. TorchSharp 0.107 hands the native handle of an
/// implicitly converted <c>Scalar</c> (ours, and those inside its own optimizers) to libtorch without keeping the
/// managed object alive, so a GC in the middle of the call can finalize a scalar libtorch is still reading — seen as
/// rare "Unknown scalar type" / "toFloat" failures deep into training (dotnet/TorchSharp#1434, #1496). Inside a no-GC
/// region nothing is finalized; the garbage of a step is collected before the next one starts.
/// </summary>
internal readonly struct NoGcScope : IDisposable
{
    // A step allocates wrapper objects and its padded batches (tens of MB at batch 32, 64 frames). Above the budget the runtime
    // collects and the region ends early, which is the unprotected behavior, never an error.
    private const long Budget = 128L << 20;

    private readonly bool _started;

    private NoGcScope(bool started) => _started = started;

    /// <summary>Enters a no-GC region unless one is active already (nested or another thread's).</summary>
    public static NoGcScope Enter()
    {
        if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) return default;
        try
        {
            return new NoGcScope(GC.TryStartNoGCRegion(Budget));
        }
        catch (InvalidOperationException)
        {
            return default; // another thread entered one in between
        }
    }

    /// <summary>Leaves the region if this scope entered it and it is still active.</summary>
    public void Dispose()
    {
        if (!_started || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return;
        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The budget was exceeded or a GC was induced: the region is over already.
        }
    }
}
