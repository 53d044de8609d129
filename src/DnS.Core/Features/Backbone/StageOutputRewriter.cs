using DnS.Core.Features.Backbone.Onnx;
using Google.Protobuf;

namespace DnS.Core.Features.Backbone;

/// <summary>
/// Form (b): turns inner tensors of a model (e.g. the last ReLU of each ResNet stage in a
/// classification network) into extra graph outputs, entirely in memory.
/// </summary>
internal static class StageOutputRewriter
{
    /// <summary>
    /// Returns model bytes whose graph outputs include every name in <paramref name="stageNames"/>:
    /// <paramref name="model"/> itself when they already are outputs, otherwise a rewritten copy.
    /// </summary>
    public static byte[] ExposeStageOutputs(byte[] model, string modelName, IReadOnlyList<string> stageNames)
    {
        ModelProto proto = Parse(model, modelName);
        GraphProto graph = proto.Graph;

        var outputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (ValueInfoProto output in graph.Output)
            outputs.Add(output.Name);

        var missing = new List<string>();
        foreach (string name in stageNames)
            if (!outputs.Contains(name) && !missing.Contains(name))
                missing.Add(name);
        if (missing.Count == 0)
            return model;

        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeProto node in graph.Node)
            foreach (string output in node.Output)
                produced.Add(output);
        foreach (string name in missing)
            if (!produced.Contains(name))
                throw new BackboneModelException(modelName,
                    $"no node produces the stage tensor '{name}' (the graph has {produced.Count} node outputs; " +
                    "list them with Netron or onnx.load(...).graph.node, see docs/backbone.md).");

        // Initializers stored beside the file cannot be found once the session is created from bytes.
        foreach (TensorProto initializer in graph.Initializer)
            if (initializer.DataLocation == TensorProto.Types.DataLocation.External)
                throw new BackboneModelException(modelName,
                    $"initializer '{initializer.Name}' uses external data; re-save the model with its weights embedded " +
                    "(onnx.save(model, path, save_as_external_data=False)) or export the stages as outputs (form (a)).");

        foreach (string name in missing)
            graph.Output.Add(DescribeOutput(graph, name));
        return proto.ToByteArray();
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
