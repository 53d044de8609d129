using System.Runtime.InteropServices;
using DnS.Core.Features.Backbone.Onnx;
using Google.Protobuf;

namespace DnS.Core.Features.Backbone;

/// <summary>
/// Builds small float ONNX graphs (opset 17) from C#: the tiny ResNet-shaped test models, the
/// ResNet-50-shaped benchmark graph and fixed-filter encoders, with no Python or file on disk.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>Operator set the generated graphs target (the one docs/backbone.md exports with).</summary>
    public const int Opset = 17;

    // IR version 8 is what opset 17 ships with; ONNX Runtime 1.31 reads up to 11.
    private const long IrVersion = 8;

    private readonly GraphProto _graph;
    private int _nextId;

    public OnnxGraphBuilder(string graphName)
    {
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>Declares a float graph input; dimensions ≤ 0 are symbolic ("N" for the first, the batch).</summary>
    public string Input(string name, params ReadOnlySpan<long> dimensions)
    {
        _graph.Input.Add(FloatValueInfo(name, dimensions));
        return name;
    }

    /// <summary>Marks <paramref name="name"/> as a graph output (float, shape inferred by the runtime).</summary>
    public void Output(string name) => _graph.Output.Add(FloatValueInfo(name, []));

    /// <summary>Conv2d with square kernel, symmetric padding and bias; weight is [out, in, k, k] row-major.</summary>
    public string Conv(string input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, int inChannels,
        int kernel, int stride, int pad, string? output = null)
    {
        CheckLength(weight, (long)outChannels * inChannels * kernel * kernel, "Conv weight");
        CheckLength(bias, outChannels, "Conv bias");
        string w = Initializer("conv_w", weight, outChannels, inChannels, kernel, kernel);
        string b = Initializer("conv_b", bias, outChannels);
        return Node("Conv", [input, w, b], output,
            Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad));
    }

    /// <summary>max(x, 0).</summary>
    public string Relu(string input, string? output = null) => Node("Relu", [input], output);

    /// <summary>Square max pooling with symmetric padding (padding never wins, as in PyTorch).</summary>
    public string MaxPool(string input, int kernel, int stride, int pad, string? output = null) =>
        Node("MaxPool", [input], output,
            Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad));

    /// <summary>Element-wise sum.</summary>
    public string Add(string left, string right, string? output = null) => Node("Add", [left, right], output);

    /// <summary>Reshape to a constant target shape (0 copies the input's dimension, −1 is inferred).</summary>
    public string Reshape(string input, ReadOnlySpan<long> shape, string? output = null)
    {
        var tensor = new TensorProto
        {
            Name = $"shape_{_nextId++}",
            DataType = (int)TensorProto.Types.DataType.Int64,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(shape)),
        };
        tensor.Dims.Add(shape.Length);
        _graph.Initializer.Add(tensor);
        return Node("Reshape", [input, tensor.Name], output);
    }

    /// <summary>Mean over H and W, keeping [N, C, 1, 1].</summary>
    public string GlobalAveragePool(string input, string? output = null) => Node("GlobalAveragePool", [input], output);

    /// <summary>[N, ...] → [N, rest].</summary>
    public string Flatten(string input, string? output = null) => Node("Flatten", [input], output, Int("axis", 1));

    /// <summary>Linear layer y = x·Wᵀ + b with W [out, in] (PyTorch's layout).</summary>
    public string Linear(string input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures,
        string? output = null)
    {
        CheckLength(weight, (long)outFeatures * inFeatures, "Linear weight");
        CheckLength(bias, outFeatures, "Linear bias");
        string w = Initializer("fc_w", weight, outFeatures, inFeatures);
        string b = Initializer("fc_b", bias, outFeatures);
        return Node("Gemm", [input, w, b], output, Int("transB", 1));
    }

    /// <summary>The model so far.</summary>
    public ModelProto Build() => new()
    {
        IrVersion = IrVersion,
        ProducerName = "DnS.Core",
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = Opset } },
        Graph = _graph.Clone(),
    };

    /// <summary>The serialized model, ready for <see cref="OnnxBackbone.FromBytes"/>.</summary>
    public byte[] ToBytes() => Build().ToByteArray();

    private string Node(string opType, string[] inputs, string? output, params AttributeProto[] attributes)
    {
        string name = $"{opType}_{_nextId++}";
        output ??= name + "_out";
        var node = new NodeProto { Name = name, OpType = opType };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    private string Initializer(string prefix, ReadOnlySpan<float> values, params ReadOnlySpan<long> dimensions)
    {
        // raw_data is little-endian by the ONNX spec, as is every platform .NET runs ONNX Runtime on.
        var tensor = new TensorProto
        {
            Name = $"{prefix}_{_nextId++}",
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)),
        };
        foreach (long d in dimensions)
            tensor.Dims.Add(d);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    private static ValueInfoProto FloatValueInfo(string name, ReadOnlySpan<long> dimensions)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float };
        if (dimensions.Length > 0)
        {
            tensorType.Shape = new TensorShapeProto();
            for (int i = 0; i < dimensions.Length; i++)
                tensorType.Shape.Dim.Add(dimensions[i] > 0
                    ? new TensorShapeProto.Types.Dimension { DimValue = dimensions[i] }
                    : new TensorShapeProto.Types.Dimension { DimParam = i == 0 ? "N" : $"{name}_d{i}" });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    private static AttributeProto Ints(string name, params ReadOnlySpan<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        foreach (long v in values)
            attribute.Ints.Add(v);
        return attribute;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static void CheckLength(ReadOnlySpan<float> values, long expected, string what)
    {
        if (values.Length != expected)
            throw new ArgumentException($"{what} has {values.Length} floats; its shape needs {expected}.");
    }
}
