namespace DnS.Core.Features.Decoding;

/// <summary>Parses the header ffmpeg's PPM encoder writes before each RGB24 frame: <c>P6 width height 255</c>, whitespace separated.</summary>
internal static class PpmHeader
{
    /// <summary>Larger than any frame side ffmpeg can produce; guards against reading garbage as a size.</summary>
    private const int MaxField = 1 << 16;

    /// <summary>The frame size, or null at a clean end of stream. <paramref name="scratch"/> is a reusable 1-byte buffer.</summary>
    /// <exception cref="InvalidDataException">The stream is not PPM (P6, 8-bit) or ends inside a header.</exception>
    public static async ValueTask<(int Width, int Height)?> ReadAsync(Stream stream, byte[] scratch, CancellationToken cancellationToken)
    {
        // The magic, then three decimal fields; parsed digit by digit, so a header costs no allocation.
        int width = 0, height = 0, maxValue = 0;
        for (int field = 0; field < 4; field++)
        {
            int value = 0, length = 0;
            while (true)
            {
                if (await stream.ReadAsync(scratch.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) == 0)
                {
                    if (field == 0 && length == 0) return null;
                    throw new InvalidDataException("ffmpeg's PPM stream ended inside a frame header");
                }
                byte b = scratch[0];
                if (b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
                {
                    if (length > 0) break;
                    continue;
                }
                length++;
                if (field == 0)
                {
                    if ((length == 1 && b != 'P') || (length == 2 && b != '6') || length > 2)
                        throw new InvalidDataException("expected PPM (P6) frames from ffmpeg");
                }
                else if (b is < (byte)'0' or > (byte)'9' || (value = value * 10 + (b - '0')) > MaxField)
                {
                    throw new InvalidDataException("malformed PPM header from ffmpeg");
                }
            }
            if (field == 1) width = value;
            else if (field == 2) height = value;
            else if (field == 3) maxValue = value;
        }
        if (width < 1 || height < 1 || maxValue != 255)
            throw new InvalidDataException($"unsupported PPM frame from ffmpeg: {width}×{height}, maxval {maxValue} (expected 8-bit)");
        return (width, height);
    }
}
