namespace DnS.Training.SelfSupervised;

/// <summary>
/// Draws the frame order of a temporally edited clip: which source frame each output frame shows. Gathering those
/// frames from the stored features gives the clip, so no pixels are touched and nothing is decoded again.
/// </summary>
public static class TemporalAugmenter
{
    /// <summary>The source frame of each output frame (at least one) for a video of <paramref name="frames"/> frames.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frames"/> is below 1.</exception>
    public static int[] Sample(Random random, int frames, TemporalAugmentationOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        options.Validate();
        int start = 0, length = frames;
        if (random.NextDouble() < options.CropProbability)
        {
            double fraction = options.MinCropFraction + random.NextDouble() * (1 - options.MinCropFraction);
            length = Math.Max(1, (int)Math.Round(frames * fraction));
            start = random.Next(frames - length + 1);
        }
        var order = new List<int>(length);
        if (random.NextDouble() < options.SpeedProbability)
        {
            // Log-uniform speed so slow-downs and speed-ups are equally likely; output frame i shows source ⌊i·speed⌋.
            double speed = Math.Exp(Math.Log(options.MinSpeed) + random.NextDouble() * (Math.Log(options.MaxSpeed) - Math.Log(options.MinSpeed)));
            int outFrames = Math.Max(1, (int)Math.Floor(length / speed));
            for (int i = 0; i < outFrames; i++) order.Add(start + Math.Min(length - 1, (int)(i * speed)));
        }
        else
        {
            for (int i = 0; i < length; i++) order.Add(start + i);
        }
        if (random.NextDouble() < options.DropProbability && order.Count > 1)
        {
            int keep = random.Next(order.Count);
            int write = 0;
            for (int i = 0; i < order.Count; i++)
                if (i == keep || random.NextDouble() >= options.DropRate) order[write++] = order[i];
            order.RemoveRange(write, order.Count - write);
        }
        if (order.Count > options.MaxFrames)
        {
            int offset = random.Next(order.Count - options.MaxFrames + 1);
            return order.GetRange(offset, options.MaxFrames).ToArray();
        }
        return order.ToArray();
    }
}
