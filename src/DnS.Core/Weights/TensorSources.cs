namespace DnS.Core.Weights;

/// <summary>Opens a weights file in whichever supported format it is.</summary>
public static class TensorSources
{
    /// <summary>
    /// Opens <paramref name="path"/> as a <see cref="PyTorchCheckpoint"/> when it is a <c>torch.save</c> file (a zip
    /// archive, or a pickle for the legacy format), otherwise as a <see cref="SafeTensorsFile"/>. The format is
    /// recognized by content, not by extension.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightsFormatException">The file is in neither format or is damaged.</exception>
    public static ITensorSource Open(string path)
    {
        path = Path.GetFullPath(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        Span<byte> head = stackalloc byte[2];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        bool checkpoint = read == 2 && ((head[0] == (byte)'P' && head[1] == (byte)'K') || (head[0] == 0x80 && head[1] <= 5));
        return checkpoint ? PyTorchCheckpoint.Open(path) : SafeTensorsFile.Open(path);
    }
}
