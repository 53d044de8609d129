using System.IO.Hashing;
using System.Runtime.InteropServices;
using DnS.Training.Distillation;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DnS.Training.Text;

/// <summary>One training example of <see cref="CaptionHeadTrainer"/>: a caption and the video it describes.</summary>
/// <param name="Caption">Row of the caption embedding matrix.</param>
/// <param name="Video">Index of the video in the frame source.</param>
public readonly record struct CaptionPair(int Caption, int Video);

/// <summary>
/// Trains the slow <see cref="CrossAttentionHeadModule"/> on captioned videos with a contrastive loss: each step scores
/// a batch of captions against the distinct videos of the batch and applies cross-entropy of every caption over those
/// videos with its own video as the target (text → video InfoNCE at temperature τ_c, CLIP's objective in the search
/// direction). Exact resume, checkpoints and data order come from <see cref="DistillationTrainer{TModule, TExample}"/>.
/// </summary>
public sealed class CaptionHeadTrainer : DistillationTrainer<CrossAttentionHeadModule, CaptionPair>
{
    /// <summary>Adam's default learning rate.</summary>
    public const double DefaultLearningRate = 1e-3;

    /// <summary>The default contrastive temperature τ_c (CLIP's trained 1/100 is for converged towers; a head on top learns with a softer one).</summary>
    public const double DefaultContrastiveTemperature = 0.05;

    private readonly float[] _captions;
    private readonly int _dims;

    /// <summary>Sets up the trainer.</summary>
    /// <param name="head">The slow head being trained.</param>
    /// <param name="videos">The videos' frame embeddings.</param>
    /// <param name="captions">Every caption's normalized text embedding, C×D row-major.</param>
    /// <param name="pairs">The training (caption, video) pairs.</param>
    /// <param name="options">Length, batch (captions per step), rate, seed, frame cap, checkpoints.</param>
    /// <param name="temperature">τ_c of the contrastive loss.</param>
    /// <exception cref="ArgumentException">The sizes disagree or a pair is out of range.</exception>
    public CaptionHeadTrainer(CrossAttentionHeadModule head, FrameEmbeddingSource videos, float[] captions, IReadOnlyList<CaptionPair> pairs, TrainingOptions options,
        double temperature = DefaultContrastiveTemperature)
        : base(head, videos, pairs, options, DefaultLearningRate)
    {
        ArgumentNullException.ThrowIfNull(captions);
        if (!(temperature > 0) || !double.IsFinite(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be a positive finite number");
        _dims = videos.Dims;
        if (head.Dims != _dims) throw new ArgumentException($"the frame embeddings have D = {_dims}, the head D = {head.Dims}", nameof(head));
        if (captions.Length == 0 || captions.Length % _dims != 0) throw new ArgumentException($"{captions.Length} floats are not C ≥ 1 caption embeddings of {_dims}", nameof(captions));
        int count = captions.Length / _dims;
        foreach (var pair in pairs)
        {
            if ((uint)pair.Caption >= (uint)count || (uint)pair.Video >= (uint)videos.Count)
                throw new ArgumentException($"pair ({pair.Caption}, {pair.Video}) is outside {count} captions × {videos.Count} videos", nameof(pairs));
        }
        _captions = captions;
        Temperature = temperature;
    }

    /// <summary>τ_c of the contrastive loss.</summary>
    public double Temperature { get; }

    /// <summary>The temperature and a hash of the caption embeddings: a checkpoint of another run's data is refused.</summary>
    protected override double[] LabelSettings
    {
        get
        {
            ulong value = XxHash64.HashToUInt64(MemoryMarshal.AsBytes(_captions.AsSpan()));
            return [Temperature, (uint)value, (uint)(value >> 32)];
        }
    }

    /// <inheritdoc/>
    protected override Tensor ComputeLoss(IReadOnlyList<CaptionPair> batch, Random crop)
    {
        var videos = new List<int>();
        var targets = new long[batch.Count];
        var captions = new int[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            int column = videos.IndexOf(batch[i].Video);
            if (column < 0)
            {
                column = videos.Count;
                videos.Add(batch[i].Video);
            }
            targets[i] = column;
            captions[i] = batch[i].Caption;
        }
        using var frames = LoadVideos(videos, crop);
        var texts = tensor(TextDistillationTrainer.Rows(_captions, captions, _dims), [batch.Count, _dims]);
        var scores = Module.forward(texts, frames.Features.squeeze(2), frames.Valid);
        return F.cross_entropy(scores / Temperature, tensor(targets));
    }

    /// <summary>Scores of the given caption embeddings (C×D row-major) against every video (eval mode, the first frames up to the cap), C×N row-major.</summary>
    public float[] Scores(float[] captions)
    {
        ArgumentNullException.ThrowIfNull(captions);
        int count = captions.Length / _dims, videoCount = Features.Count;
        var result = new float[count * videoCount];
        Module.eval();
        using var noGrad = no_grad();
        using var texts = tensor(captions, [count, _dims]);
        for (int start = 0; start < videoCount; start += BatchSize)
        {
            using var noGc = NoGcScope.Enter();
            using var scope = NewDisposeScope();
            int chunk = Math.Min(BatchSize, videoCount - start);
            using var frames = LoadVideos(Enumerable.Range(start, chunk).ToArray(), null);
            var block = Module.forward(texts, frames.Features.squeeze(2), frames.Valid).data<float>();
            for (int c = 0; c < count; c++)
                for (int v = 0; v < chunk; v++)
                    result[c * videoCount + start + v] = block[c * chunk + v];
        }
        return result;
    }

    /// <summary>Recall at 1 of captions → videos over <paramref name="pairs"/> (rows of the trainer's caption matrix, trained on or held out): the share whose best-scored video is the pair's (ties: the lower index).</summary>
    /// <exception cref="ArgumentException">A pair is out of range.</exception>
    public double RecallAt1(IReadOnlyList<CaptionPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) return 0;
        int captions = _captions.Length / _dims, count = Features.Count;
        if (pairs.Any(p => (uint)p.Caption >= (uint)captions || (uint)p.Video >= (uint)count))
            throw new ArgumentException($"a pair is outside {captions} captions × {count} videos", nameof(pairs));
        float[] scores = Scores(TextDistillationTrainer.Rows(_captions, pairs.Select(p => p.Caption).ToArray(), _dims));
        int hits = 0;
        for (int c = 0; c < pairs.Count; c++)
        {
            var row = scores.AsSpan(c * count, count);
            int best = 0;
            for (int v = 1; v < count; v++) if (row[v] > row[best]) best = v;
            if (best == pairs[c].Video) hits++;
        }
        return (double)hits / pairs.Count;
    }
}
