using System.Runtime.InteropServices;

namespace DnS.Core.Features.Decoding;

/// <summary>
/// What kind of file system object a path is, without opening it: opening a FIFO blocks until a writer appears
/// (forever, for a FIFO named <c>x.mp4</c> that nobody writes), and a device or socket is no video either.
/// </summary>
/// <remarks>
/// .NET has no public API for the file type, so this asks the runtime's own native shim (<c>libSystem.Native</c>,
/// shipped with every .NET runtime on Unix), whose <c>FileStatus</c> layout .NET defines the same on every platform:
/// an int32 of flags, then the int32 mode with the type bits normalized to the values below. Where the shim cannot be
/// called (Windows, which has no FIFOs or device paths a user would pass) the check answers "regular".
/// </remarks>
internal static partial class FileKind
{
    private const int TypeMask = 0xF000, Fifo = 0x1000, CharacterDevice = 0x2000, BlockDevice = 0x6000, Socket = 0xC000;

    /// <summary>A description of <paramref name="path"/> ("a FIFO (named pipe)", ...) when it exists and is not a regular file or directory; otherwise null.</summary>
    public static unsafe string? DescribeSpecial(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        // Larger than FileStatus in any .NET version: the shim writes only its own fields.
        byte* status = stackalloc byte[512];
        try
        {
            if (Stat(path, status) != 0) return null; // missing or unreachable: the caller's own checks say which
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        return (*(int*)(status + sizeof(int)) & TypeMask) switch
        {
            Fifo => "a FIFO (named pipe)",
            CharacterDevice => "a character device",
            BlockDevice => "a block device",
            Socket => "a socket",
            _ => null,
        };
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* status);
}
