using Google.Protobuf;
using FedEdge.Onnx.Proto;

namespace FedEdge.Onnx.Graphs;

/// <summary>
/// A small typed builder for ONNX graphs (opset 17, IR 8). Every method returns the name of the
/// value it produced, so graphs read like the equations they implement.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The ONNX IR version FedEdge emits (ONNX 1.12's checker accepts up to 8).</summary>
    public const long IrVersion = 8;

    /// <summary>The default-domain opset FedEdge targets.</summary>
    public const long OpsetVersion = 17;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraphBuilder(string name)
    {
        _graph = new GraphProto { Name = name };
    }

    /// <summary>Declares a float32 graph input; a null dimension is symbolic (named <paramref name="symbolicDim"/>).</summary>
    public string FloatInput(string name, IReadOnlyList<long?> dims, string symbolicDim = "batch") =>
        Input(name, TensorProto.Types.DataType.Float, dims, symbolicDim);

    /// <summary>Declares an int64 graph input.</summary>
    public string Int64Input(string name, IReadOnlyList<long?> dims, string symbolicDim = "batch") =>
        Input(name, TensorProto.Types.DataType.Int64, dims, symbolicDim);

    /// <summary>Declares a float32 graph output of the given shape (null = symbolic dimension).</summary>
    public void FloatOutput(string name, IReadOnlyList<long?> dims, string symbolicDim = "batch") =>
        _graph.Output.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims, symbolicDim));

    /// <summary>Declares an int64 graph output.</summary>
    public void Int64Output(string name, IReadOnlyList<long?> dims, string symbolicDim = "batch") =>
        _graph.Output.Add(ValueInfo(name, TensorProto.Types.DataType.Int64, dims, symbolicDim));

    /// <summary>A float32 constant (initializer) of the given shape.</summary>
    public string FloatConstant(string hint, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values.ToArray());
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(float value, string hint = "const") => FloatConstant(hint, [value]);

    /// <summary>An int64 vector constant (axes, shapes, depths).</summary>
    public string Int64Constant(string hint, params long[] values)
    {
        var tensor = new TensorProto { Name = Fresh(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A named float32 initializer holding trained weights (used by the inference export).</summary>
    public string FloatInitializer(string name, ReadOnlySpan<float> values, IReadOnlyList<int> dims)
    {
        Claim(name);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        foreach (int d in dims)
        {
            tensor.Dims.Add(d);
        }

        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string Op(string opType, string[] inputs, params (string Name, object Value)[] attributes) =>
        OpNamed(opType, Fresh(opType.ToLowerInvariant()), inputs, attributes);

    /// <summary>Adds a node whose single output gets an exact name (for graph outputs).</summary>
    public string OpNamed(string opType, string output, string[] inputs, params (string Name, object Value)[] attributes)
    {
        if (!_names.Contains(output))
        {
            Claim(output);
        }

        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_counter++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(Attribute(name, value));
        }

        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Renames a value into an exact graph-output name with an Identity node.</summary>
    public string Identity(string input, string output) => OpNamed("Identity", output, [input]);

    /// <summary>Builds the model proto with the producer and metadata set.</summary>
    public ModelProto ToModel(string docString, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "FedEdge",
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            }
        }

        return model;
    }

    private string Input(string name, TensorProto.Types.DataType type, IReadOnlyList<long?> dims, string symbolicDim)
    {
        Claim(name);
        _graph.Input.Add(ValueInfo(name, type, dims, symbolicDim));
        return name;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, IReadOnlyList<long?> dims, string symbolicDim)
    {
        var shape = new TensorShapeProto();
        foreach (long? d in dims)
        {
            shape.Dim.Add(d is long value
                ? new TensorShapeProto.Types.Dimension { DimValue = value }
                : new TensorShapeProto.Types.Dimension { DimParam = symbolicDim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        long[] ints => IntsAttribute(name, ints),
        _ => throw new ArgumentException($"Unsupported attribute type {value.GetType().Name} for '{name}'.", nameof(value)),
    };

    private static AttributeProto IntsAttribute(string name, long[] ints)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(ints);
        return attribute;
    }

    private string Fresh(string hint)
    {
        string name;
        do
        {
            name = $"{hint}_{_counter++}";
        }
        while (_names.Contains(name));

        _names.Add(name);
        return name;
    }

    private void Claim(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"Value name '{name}' is already used in graph '{_graph.Name}'.");
        }
    }
}
