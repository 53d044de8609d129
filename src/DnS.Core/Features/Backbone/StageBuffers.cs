using Microsoft.ML.OnnxRuntime;

namespace DnS.Core.Features.Backbone;

/// <summary>
/// Pinned input and stage buffers for one input size, reused across batches, with the ORT tensors
/// over them cached per batch count so a steady stream of batches allocates nothing.
/// </summary>
internal sealed class StageBuffers : IDisposable
{
    private readonly StageShape[] _shapes;
    private float[] _input;
    private float[][] _stages;
    private OrtValue[]?[] _inputsByCount;
    private OrtValue[]?[] _outputsByCount;

    public StageBuffers(int height, int width, StageShape[] shapes, int capacity)
    {
        Height = height;
        Width = width;
        _shapes = shapes;
        _input = [];
        _stages = [];
        _inputsByCount = [];
        _outputsByCount = [];
        Allocate(capacity);
    }

    /// <summary>Input height the buffers are laid out for.</summary>
    public int Height { get; }

    /// <summary>Input width the buffers are laid out for.</summary>
    public int Width { get; }

    /// <summary>Frames the buffers hold.</summary>
    public int Capacity { get; private set; }

    private int InputFrameLength => 3 * Height * Width;

    /// <summary>Grows the buffers to hold <paramref name="count"/> frames; earlier stage maps become invalid.</summary>
    public void EnsureCapacity(int count)
    {
        if (count <= Capacity)
            return;
        DisposeTensors();
        Allocate(count);
    }

    /// <summary>Copies <paramref name="count"/> frames into the input buffer.</summary>
    public void CopyInput(ReadOnlySpan<float> pixels, int count) =>
        pixels[..(count * InputFrameLength)].CopyTo(_input);

    /// <summary>The input tensor over the first <paramref name="count"/> frames.</summary>
    public OrtValue[] Inputs(int count)
    {
        ref OrtValue[]? cached = ref _inputsByCount[count];
        cached ??= [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            _input.AsMemory(0, count * InputFrameLength), [count, 3, Height, Width])];
        return cached;
    }

    /// <summary>The four stage tensors over the first <paramref name="count"/> frames.</summary>
    public OrtValue[] Outputs(int count)
    {
        ref OrtValue[]? cached = ref _outputsByCount[count];
        if (cached is null)
        {
            cached = new OrtValue[_shapes.Length];
            for (int s = 0; s < _shapes.Length; s++)
            {
                StageShape shape = _shapes[s];
                cached[s] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    _stages[s].AsMemory(0, count * shape.FrameLength), [count, shape.Channels, shape.Height, shape.Width]);
            }
        }

        return cached;
    }

    /// <summary>Writable storage of stage <paramref name="stage"/> for <paramref name="count"/> frames.</summary>
    public Span<float> StageSpan(int stage, int count) => _stages[stage].AsSpan(0, count * _shapes[stage].FrameLength);

    /// <summary>Stage <paramref name="stage"/> of the last run over <paramref name="count"/> frames.</summary>
    public StageMap Stage(int stage, int count)
    {
        StageShape shape = _shapes[stage];
        return new StageMap(_stages[stage].AsMemory(0, count * shape.FrameLength), count, shape.Channels, shape.Height, shape.Width);
    }

    public void Dispose() => DisposeTensors();

    private void Allocate(int capacity)
    {
        // Pinned-object-heap arrays: ORT reads and writes them in place, and the GC never moves them.
        _input = GC.AllocateUninitializedArray<float>(capacity * InputFrameLength, pinned: true);
        _stages = new float[_shapes.Length][];
        for (int s = 0; s < _shapes.Length; s++)
            _stages[s] = GC.AllocateUninitializedArray<float>(capacity * _shapes[s].FrameLength, pinned: true);
        _inputsByCount = new OrtValue[capacity + 1][];
        _outputsByCount = new OrtValue[capacity + 1][];
        Capacity = capacity;
    }

    private void DisposeTensors()
    {
        foreach (OrtValue[]? values in _inputsByCount)
            DisposeAll(values);
        foreach (OrtValue[]? values in _outputsByCount)
            DisposeAll(values);
        Array.Clear(_inputsByCount);
        Array.Clear(_outputsByCount);
    }

    private static void DisposeAll(OrtValue[]? values)
    {
        if (values is null)
            return;
        foreach (OrtValue value in values)
            value.Dispose();
    }
}
