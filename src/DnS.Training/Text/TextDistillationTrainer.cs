using System.IO.Hashing;
using System.Runtime.InteropServices;
using DnS.Training.Data;
using DnS.Training.Distillation;
using static TorchSharp.torch;

namespace DnS.Training.Text;

/// <summary>
/// Distils the slow text–video scores (the teacher, e.g. <see cref="Core.Text.TextVideoScoring.SlowScore"/>) into the
/// fast <see cref="TextPoolingModule"/>: each step takes a batch of text queries and a seeded sample of videos, and fits
/// the student's score distribution over those videos per query to the teacher's, KL(softmax(t/τ) ‖ softmax(s/τ)), the
/// listwise form of the DnS students' score regression (ranks matter, not the two models' score scales). Examples are
/// query indices; exact resume, checkpoints and data order come from <see cref="DistillationTrainer{TModule, TExample}"/>.
/// </summary>
public sealed class TextDistillationTrainer : DistillationTrainer<TextPoolingModule, int>
{
    /// <summary>Adam's default learning rate (the pooling has D² + 2D parameters, all starting at zero).</summary>
    public const double DefaultLearningRate = 1e-3;

    /// <summary>The default τ of both score distributions: CLIP similarities of one query spread over a few hundredths.</summary>
    public const double DefaultTemperature = 0.02;

    /// <summary>The default number of videos each step ranks per query.</summary>
    public const int DefaultVideosPerStep = 64;

    private readonly float[] _queries;
    private readonly float[] _teacher;
    private readonly int _dims;

    /// <summary>Sets up the trainer.</summary>
    /// <param name="student">The fast side being trained.</param>
    /// <param name="videos">The videos' frame embeddings.</param>
    /// <param name="queries">Every query's normalized text embedding, Q×D row-major.</param>
    /// <param name="teacher">The teacher's scores, Q×N row-major (query q, video n).</param>
    /// <param name="trainQueries">The query indices trained on (the others stay held out).</param>
    /// <param name="options">Length, batch (queries per step), rate, seed, frame cap, checkpoints.</param>
    /// <param name="temperature">τ of the score distributions.</param>
    /// <param name="videosPerStep">Videos ranked per step (all when the corpus has fewer).</param>
    /// <exception cref="ArgumentException">The sizes disagree, or a query index is out of range.</exception>
    public TextDistillationTrainer(TextPoolingModule student, FrameEmbeddingSource videos, float[] queries, float[] teacher, IReadOnlyList<int> trainQueries,
        TrainingOptions options, double temperature = DefaultTemperature, int videosPerStep = DefaultVideosPerStep)
        : base(student, videos, trainQueries, options, DefaultLearningRate)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(teacher);
        if (!(temperature > 0) || !double.IsFinite(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be a positive finite number");
        ArgumentOutOfRangeException.ThrowIfLessThan(videosPerStep, 2);
        _dims = videos.Dims;
        if (student.Dims != _dims) throw new ArgumentException($"the frame embeddings have D = {_dims}, the student D = {student.Dims}", nameof(student));
        if (queries.Length == 0 || queries.Length % _dims != 0) throw new ArgumentException($"{queries.Length} floats are not Q ≥ 1 query embeddings of {_dims}", nameof(queries));
        int count = queries.Length / _dims;
        if (teacher.Length != count * videos.Count) throw new ArgumentException($"the teacher gives {teacher.Length} scores; {count} queries × {videos.Count} videos need {count * videos.Count}", nameof(teacher));
        foreach (int q in trainQueries)
            if ((uint)q >= (uint)count) throw new ArgumentException($"query index {q} is outside 0..{count - 1}", nameof(trainQueries));
        _queries = queries;
        _teacher = teacher;
        Temperature = temperature;
        VideosPerStep = Math.Min(videosPerStep, videos.Count);
    }

    /// <summary>τ of the score distributions.</summary>
    public double Temperature { get; }

    /// <summary>Videos ranked per step.</summary>
    public int VideosPerStep { get; }

    /// <summary>The temperature, the sample size and a hash of the queries and teacher scores: a checkpoint of another run's data is refused.</summary>
    protected override double[] LabelSettings
    {
        get
        {
            var hash = new XxHash64();
            hash.Append(MemoryMarshal.AsBytes(_queries.AsSpan()));
            hash.Append(MemoryMarshal.AsBytes(_teacher.AsSpan()));
            ulong value = hash.GetCurrentHashAsUInt64();
            return [Temperature, VideosPerStep, (uint)value, (uint)(value >> 32)];
        }
    }

    /// <inheritdoc/>
    protected override Tensor ComputeLoss(IReadOnlyList<int> batch, Random crop)
    {
        int[] videos = SampleVideos(crop);
        using var frames = LoadVideos(videos, crop);
        var embeddings = Module.forward(frames.Features.squeeze(2), frames.Valid);
        var texts = tensor(Rows(_queries, batch, _dims), [batch.Count, _dims]);
        var targets = new float[batch.Count * videos.Length];
        int videoCount = Features.Count;
        for (int b = 0; b < batch.Count; b++)
            for (int v = 0; v < videos.Length; v++)
                targets[b * videos.Length + v] = _teacher[batch[b] * videoCount + videos[v]];
        var teacherLog = (tensor(targets, [batch.Count, videos.Length]) / Temperature).log_softmax(1);
        var studentLog = (texts.matmul(embeddings.t()) / Temperature).log_softmax(1);
        return (teacherLog.exp() * (teacherLog - studentLog)).sum(1).mean();
    }

    /// <summary>The student's embedding of every video (eval mode, the first frames up to the cap), N×D row-major.</summary>
    public float[] VideoEmbeddings()
    {
        var result = new float[Features.Count * _dims];
        Module.eval();
        using var noGrad = no_grad();
        for (int start = 0; start < Features.Count; start += BatchSize)
        {
            using var noGc = NoGcScope.Enter();
            using var scope = NewDisposeScope();
            int count = Math.Min(BatchSize, Features.Count - start);
            using var frames = LoadVideos(Enumerable.Range(start, count).ToArray(), null);
            Module.forward(frames.Features.squeeze(2), frames.Valid).data<float>().CopyTo(result.AsSpan(start * _dims));
        }
        return result;
    }

    // The step's videos: all of them, or a sample without repeats drawn from the step's generator.
    private int[] SampleVideos(Random random)
    {
        int count = Features.Count;
        var all = Enumerable.Range(0, count).ToArray();
        if (VideosPerStep == count) return all;
        for (int i = 0; i < VideosPerStep; i++)
        {
            int j = i + random.Next(count - i);
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all[..VideosPerStep];
    }

    internal static float[] Rows(float[] matrix, IReadOnlyList<int> rows, int dims)
    {
        var result = new float[rows.Count * dims];
        for (int r = 0; r < rows.Count; r++) matrix.AsSpan(rows[r] * dims, dims).CopyTo(result.AsSpan(r * dims));
        return result;
    }
}
