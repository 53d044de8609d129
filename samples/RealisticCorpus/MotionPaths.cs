using System.Globalization;
using System.Text;

namespace RealisticCorpus;

/// <summary>Where a camera path may go: window center x range and zoom range.</summary>
internal sealed record Region(double XMin, double XMax, double ZoomMin, double ZoomMax);

/// <summary>Camera paths over a still image and their ffmpeg <c>zoompan</c> expressions.</summary>
internal static class MotionPaths
{
    // A query that gets CS/IS views stays in the left part of its image: zoom ≥ 2.2 and center x ≤ 0.35 keep every
    // window (shake included) left of x = 0.6. The overlapping view pans across the middle; the disjoint view stays
    // right of x = 0.615 (zoom ≥ 2.7, center x ≥ 0.8), so it never shows a pixel the query showed.
    public static readonly Region QueryRegion = new(0.23, 0.35, 2.2, 2.6);
    public static readonly Region OverlapRegion = new(0.42, 0.55, 2.2, 2.6);
    public static readonly Region DisjointRegion = new(0.80, 0.81, 2.7, 3.0);

    public static Motion Create(MotionStyle style, int frames, int fps, SplitMix rng, Region? region)
    {
        int last = frames - 1;
        switch (style)
        {
            case MotionStyle.Pan:
            {
                var r = region ?? new Region(0, 1, 1.0, 1.9);
                return new Motion(style, [Key(0, r, rng, true), Key(last, r, rng, true)], null);
            }
            case MotionStyle.Handheld:
            {
                var r = region ?? new Region(0, 1, 1.3, 2.1);
                var shake = new Shake(rng.Range(0.004, 0.009),
                    [Omega(rng, fps, 0.6, 1.6), Omega(rng, fps, 1.7, 3.5), Omega(rng, fps, 3, 7)],
                    [rng.Range(0, 6.28), rng.Range(0, 6.28), rng.Range(0, 6.28)]);
                return new Motion(style, [Key(0, r, rng, true), Key(last / 2, r, rng, true), Key(last, r, rng, true)], shake);
            }
            case MotionStyle.Screen:
            {
                // Holds of 2–6 s on areas of the screen (the first on the whole screen), 0.4 s zooms between them.
                var keys = new List<Keyframe> { new(0, 0.5, 0.5, 1, false) };
                int frame = 0, move = (int)Math.Round(0.4 * fps);
                var previous = keys[0];
                while (true)
                {
                    frame += (int)Math.Round(rng.Range(2, 6) * fps);
                    if (frame + move >= last) break;
                    keys.Add(previous with { Frame = frame, Smooth = true });
                    previous = rng.NextDouble() < 0.25 ? new Keyframe(frame + move, 0.5, 0.5, 1, false)
                        : Key(frame + move, new Region(0, 1, 1.5, 3.0), rng, false);
                    keys.Add(previous);
                    frame += move;
                }
                keys.Add(previous with { Frame = last });
                return new Motion(style, keys, null);
            }
            case MotionStyle.Scroll:
            {
                double zoom = rng.Range(2.2, 3.2);
                var r = new Region(0, 1, zoom, zoom);
                int moves = 2 + rng.Below(3);
                var keys = new List<Keyframe>();
                for (int i = 0; i <= moves; i++) keys.Add(Key(i * last / moves, r, rng, false));
                return new Motion(style, keys, null);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(style));
        }
    }

    /// <summary>
    /// The <c>zoompan</c> filter that renders <paramref name="motion"/> from a 16:9 canvas:
    /// <c>zoompan=z=…:x=…:y=…:d=frames:s=WxH:fps=F</c>.
    /// </summary>
    public static string Zoompan(Motion motion, int frames, int width, int height, int fps)
    {
        var keys = motion.Keyframes;
        string zoom = Piecewise(keys, k => k.Zoom);
        string cx = Piecewise(keys, k => k.X), cy = Piecewise(keys, k => k.Y);
        if (motion.Shake is { } s)
        {
            cx = $"{cx}+{F(s.Amplitude)}*sin(on*{F(s.Frequencies[0])}+{F(s.Phases[0])})+{F(s.Amplitude / 2)}*sin(on*{F(s.Frequencies[1])}+{F(s.Phases[1])})";
            cy = $"{cy}+{F(s.Amplitude)}*sin(on*{F(s.Frequencies[1])}+{F(s.Phases[2])})+{F(s.Amplitude / 2)}*sin(on*{F(s.Frequencies[2])}+{F(s.Phases[0])})";
            zoom = $"({zoom})*(1+0.02*sin(on*{F(s.Frequencies[0] / 2)}+{F(s.Phases[1])}))";
        }
        // x, y are the window's top-left corner in canvas pixels, kept inside the canvas.
        string x = $"max(0,min(iw-iw/zoom,({cx})*iw-iw/zoom/2))";
        string y = $"max(0,min(ih-ih/zoom,({cy})*ih-ih/zoom/2))";
        return $"zoompan=z='{zoom}':x='{x}':y='{y}':d={frames}:s={width}x{height}:fps={fps}";
    }

    private static Keyframe Key(int frame, Region r, SplitMix rng, bool smooth)
    {
        double zoom = rng.Range(r.ZoomMin, r.ZoomMax), half = 0.5 / zoom;
        double x = Math.Clamp(rng.Range(r.XMin, r.XMax), half, 1 - half);
        double y = rng.Range(half, 1 - half);
        return new Keyframe(frame, Math.Round(x, 4), Math.Round(y, 4), Math.Round(zoom, 4), smooth);
    }

    /// <summary>Angular frequency per frame for a period drawn between the given seconds.</summary>
    private static double Omega(SplitMix rng, int fps, double minSeconds, double maxSeconds) =>
        Math.Round(2 * Math.PI / (rng.Range(minSeconds, maxSeconds) * fps), 5);

    /// <summary>if(lt(on,f1), segment0, if(lt(on,f2), segment1, … last value)), each segment linear or smoothstep.</summary>
    private static string Piecewise(IReadOnlyList<Keyframe> keys, Func<Keyframe, double> value)
    {
        var sb = new StringBuilder();
        int open = 0;
        for (int i = 0; i + 1 < keys.Count; i++)
        {
            var (a, b) = (keys[i], keys[i + 1]);
            double va = value(a), vb = value(b);
            int span = Math.Max(1, b.Frame - a.Frame);
            string u = $"(on-{a.Frame})/{span}";
            string eased = a.Smooth ? $"({u})*({u})*(3-2*{u})" : u;
            string segment = va == vb ? F(va) : $"{F(va)}+{F(vb - va)}*{eased}";
            sb.Append($"if(lt(on,{b.Frame}),{segment},");
            open++;
        }
        sb.Append(F(value(keys[^1])));
        sb.Append(')', open);
        return sb.ToString();
    }

    private static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);
}
