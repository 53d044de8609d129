namespace DnS.Core.Features.BuiltIn;

/// <summary>A half-open pixel rectangle [Top, Bottom) × [Left, Right) inside a frame.</summary>
internal readonly record struct PixelRect(int Top, int Bottom, int Left, int Right)
{
    public int Height => Bottom - Top;

    public int Width => Right - Left;

    public int Area => Height * Width;

    /// <summary>Quadrant <paramref name="cell"/> (0..3, row-major) of this rectangle.</summary>
    public PixelRect SubCell(int cell)
    {
        int midY = Top + Height / 2, midX = Left + Width / 2;
        return new PixelRect(
            cell < 2 ? Top : midY, cell < 2 ? midY : Bottom,
            (cell & 1) == 0 ? Left : midX, (cell & 1) == 0 ? midX : Right);
    }
}
