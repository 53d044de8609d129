using System.Runtime.InteropServices;

namespace DnS.Core.Storage;

/// <summary>
/// Makes renames and deletions in a directory durable: on Unix a rename is only on disk once the directory itself
/// is fsync'ed (open it, fsync, close). Windows (NTFS journals its metadata and offers no directory fsync) needs nothing.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int NotSupported = 22, OperationNotSupported = 95, OperationNotSupportedMac = 45; // EINVAL, EOPNOTSUPP (Linux, macOS)

    /// <summary>Flushes <paramref name="directory"/>'s entries to disk.</summary>
    /// <exception cref="IOException">The directory cannot be opened or flushed (the message names it).</exception>
    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(directory, ReadOnly);
        if (fd < 0) throw new IOException($"{directory}: cannot open the directory to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            // Some file systems (network, FUSE) cannot fsync a directory; their renames are as durable as they get.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is int errno && errno is not (NotSupported or OperationNotSupported or OperationNotSupportedMac))
                throw new IOException($"{directory}: fsync of the directory failed (errno {errno})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
