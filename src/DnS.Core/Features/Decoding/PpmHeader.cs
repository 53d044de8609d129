namespace DnS.Core.Features.Decoding;

/// <summary>Parses the header ffmpeg's PPM encoder writes before each RGB24 frame: <c>P6 width height 255</c>, whitespace separated.</summary>
internal static class PpmHeader
{
    private const int MaxTokenLength = 10;

    /// <summary>The frame size, or null at a clean end of stream.</summary>
    /// <exception cref="InvalidDataException">The stream is not PPM (P6, 8-bit) or ends inside a header.</exception>
    public static async ValueTask<(int Width, int Height)?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        var token = new char[MaxTokenLength];
        int[] fields = new int[3];
        for (int field = -1; field < 3; field++)
        {
            int length = 0;
            while (true)
            {
                int read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (field == -1 && length == 0) return null;
                    throw new InvalidDataException("ffmpeg's PPM stream ended inside a frame header");
                }
                char ch = (char)buffer[0];
                if (char.IsWhiteSpace(ch))
                {
                    if (length > 0) break;
                    continue;
                }
                if (length == MaxTokenLength) throw new InvalidDataException("malformed PPM header from ffmpeg");
                token[length++] = ch;
            }
            var text = new string(token, 0, length);
            if (field == -1)
            {
                if (text != "P6") throw new InvalidDataException($"expected a PPM (P6) frame from ffmpeg, got '{text}'");
            }
            else if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out fields[field]) || fields[field] < 1)
            {
                throw new InvalidDataException($"malformed PPM header from ffmpeg: '{text}'");
            }
        }
        if (fields[2] != 255) throw new InvalidDataException($"expected 8-bit PPM from ffmpeg, got maxval {fields[2]}");
        return (fields[0], fields[1]);
    }
}
