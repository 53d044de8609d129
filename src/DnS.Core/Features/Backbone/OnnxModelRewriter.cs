using System.Buffers.Binary;
using DnS.Core.Features.Backbone.Onnx;
using Google.Protobuf;

namespace DnS.Core.Features.Backbone;

/// <summary>
/// The in-memory model surgery <see cref="OnnxBackbone"/> applies before creating its session: form (b) turns inner
/// tensors (e.g. the last ReLU of each ResNet stage of a classification network) into extra graph outputs, and
/// <see cref="OnnxBackboneOptions.DynamicBatch"/> frees a batch dimension an exporter baked in (CNTK's ResNet-18 is
/// fixed at batch 1).
/// </summary>
internal static class OnnxModelRewriter
{
    /// <summary>Symbolic name given to a freed batch dimension.</summary>
    public const string BatchDimension = "N";

    /// <summary>
    /// Returns model bytes whose graph outputs include every name in <paramref name="stageNames"/> (when given) and,
    /// with <paramref name="dynamicBatch"/>, whose batch dimension is symbolic: <paramref name="model"/> itself when
    /// nothing needs to change, otherwise a rewritten copy.
    /// </summary>
    public static byte[] Rewrite(byte[] model, string modelName, IReadOnlyList<string>? stageNames, bool dynamicBatch)
    {
        ModelProto proto = Parse(model, modelName);
        bool changed = stageNames is not null && ExposeStageOutputs(proto.Graph, modelName, stageNames);
        changed |= dynamicBatch && FreeBatchDimension(proto.Graph, modelName);
        return changed ? proto.ToByteArray() : model;
    }

    private static bool ExposeStageOutputs(GraphProto graph, string modelName, IReadOnlyList<string> stageNames)
    {
        var outputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (ValueInfoProto output in graph.Output)
            outputs.Add(output.Name);

        var missing = new List<string>();
        foreach (string name in stageNames)
            if (!outputs.Contains(name) && !missing.Contains(name))
                missing.Add(name);
        if (missing.Count == 0)
            return false;

        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeProto node in graph.Node)
            foreach (string output in node.Output)
                produced.Add(output);
        foreach (string name in missing)
            if (!produced.Contains(name))
                throw new BackboneModelException(modelName,
                    $"no node produces the stage tensor '{name}' (the graph has {produced.Count} node outputs; " +
                    "list them with Netron or onnx.load(...).graph.node, see docs/backbone.md).");

        RejectExternalData(graph, modelName);
        foreach (string name in missing)
            graph.Output.Add(DescribeOutput(graph, name));
        return true;
    }

    /// <summary>
    /// Makes the leading dimension of the image input symbolic and, consistently, of every output and intermediate
    /// shape annotation that carries the same baked batch size; a Reshape whose constant target shape starts with
    /// that size is told to copy the input's batch instead (target 0), so a batch of N never mixes images.
    /// </summary>
    private static bool FreeBatchDimension(GraphProto graph, string modelName)
    {
        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (TensorProto initializer in graph.Initializer)
            initializers[initializer.Name] = initializer;

        long batch = 0;
        foreach (ValueInfoProto input in graph.Input)
        {
            if (initializers.ContainsKey(input.Name) || LeadingDimension(input) is not { } leading)
                continue;
            if (leading.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                return false; // already symbolic: nothing was baked in
            batch = leading.DimValue;
            break;
        }

        if (batch <= 0)
            return false;

        RejectExternalData(graph, modelName);
        foreach (ValueInfoProto input in graph.Input)
            if (!initializers.ContainsKey(input.Name))
                FreeLeading(input, batch);
        foreach (ValueInfoProto info in graph.Output)
            FreeLeading(info, batch);
        foreach (ValueInfoProto info in graph.ValueInfo)
            FreeLeading(info, batch);

        foreach (NodeProto node in graph.Node)
            if (node.OpType == "Reshape" && node.Input.Count >= 2
                && initializers.TryGetValue(node.Input[1], out TensorProto? shape))
                FreeReshapeTarget(graph, node, shape, batch, modelName);
        return true;
    }

    private static void FreeReshapeTarget(GraphProto graph, NodeProto node, TensorProto shape, long batch, string modelName)
    {
        if (shape.DataType != (int)TensorProto.Types.DataType.Int64 || shape.Dims.Count != 1 || shape.Dims[0] < 1)
            throw new BackboneModelException(modelName, $"Reshape node '{node.Name}' has a shape tensor '{shape.Name}' that is not a 1-D int64 list.");
        long[] target = ReadInt64(shape);
        if (target[0] != batch)
            return;
        target[0] = 0;
        // The shape initializer may feed other nodes too: give this Reshape its own copy.
        var freed = new TensorProto { Name = $"{shape.Name}__dynamic_batch_{node.Name}", DataType = shape.DataType };
        freed.Dims.Add(target.Length);
        var bytes = new byte[target.Length * sizeof(long)];
        for (int i = 0; i < target.Length; i++)
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), target[i]);
        freed.RawData = ByteString.CopyFrom(bytes);
        graph.Initializer.Add(freed);
        node.Input[1] = freed.Name;
    }

    private static long[] ReadInt64(TensorProto tensor)
    {
        if (tensor.Int64Data.Count > 0)
            return [.. tensor.Int64Data];
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        var values = new long[raw.Length / sizeof(long)];
        for (int i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(i * sizeof(long))..]);
        return values;
    }

    private static TensorShapeProto.Types.Dimension? LeadingDimension(ValueInfoProto info) =>
        info.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape ? shape.Dim[0] : null;

    private static void FreeLeading(ValueInfoProto info, long batch)
    {
        if (LeadingDimension(info) is { ValueCase: TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue } leading
            && leading.DimValue == batch)
            leading.DimParam = BatchDimension;
    }

    // Initializers stored beside the file cannot be found once the session is created from bytes.
    private static void RejectExternalData(GraphProto graph, string modelName)
    {
        foreach (TensorProto initializer in graph.Initializer)
            if (initializer.DataLocation == TensorProto.Types.DataLocation.External)
                throw new BackboneModelException(modelName,
                    $"initializer '{initializer.Name}' uses external data; re-save the model with its weights embedded " +
                    "(onnx.save(model, path, save_as_external_data=False)) or export the stages as outputs (form (a)) with a dynamic batch axis.");
    }

    private static ModelProto Parse(byte[] model, string modelName)
    {
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new BackboneModelException(modelName, "is not an ONNX model (protobuf parse failed).", e);
        }

        // Arbitrary bytes can parse as an empty or fieldless message; a model has a graph with nodes.
        if (proto.Graph is null || proto.Graph.Node.Count == 0)
            throw new BackboneModelException(modelName, "is not an ONNX model (no graph nodes).");
        return proto;
    }

    private static ValueInfoProto DescribeOutput(GraphProto graph, string name)
    {
        foreach (ValueInfoProto info in graph.ValueInfo)
            if (info.Name == name)
                return info.Clone();

        // Element type only: ONNX Runtime infers the shape.
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float },
            },
        };
    }
}
