namespace FedEdge.Core.Parameters;

/// <summary>The name and shape of one float32 tensor inside a <see cref="ParameterLayout"/>.</summary>
public sealed class TensorSpec : IEquatable<TensorSpec>
{
    /// <summary>Largest element count a single tensor may have (bounds every buffer built from a layout).</summary>
    public const int MaxElements = 1 << 26;

    private readonly int[] _shape;

    /// <summary>Creates a spec; every dimension must be positive and the element count bounded.</summary>
    public TensorSpec(string name, params int[] shape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            if (d <= 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a non-positive dimension {d}.", nameof(shape));
            }

            count *= d;
            if (count > MaxElements)
            {
                throw new ArgumentException($"Tensor '{name}' has more than {MaxElements} elements.", nameof(shape));
            }
        }

        Name = name;
        _shape = (int[])shape.Clone();
        Length = (int)count;
    }

    /// <summary>The tensor's name (unique within a layout).</summary>
    public string Name { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The number of elements (product of the dimensions; 1 for a scalar).</summary>
    public int Length { get; }

    /// <summary>The dimensions as 64-bit values, as ONNX Runtime and the ONNX format want them.</summary>
    public long[] ShapeAsInt64()
    {
        var result = new long[_shape.Length];
        for (int i = 0; i < _shape.Length; i++)
        {
            result[i] = _shape[i];
        }

        return result;
    }

    /// <inheritdoc/>
    public bool Equals(TensorSpec? other) =>
        other is not null && Name == other.Name && _shape.AsSpan().SequenceEqual(other._shape);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TensorSpec);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name, StringComparer.Ordinal);
        foreach (int d in _shape)
        {
            hash.Add(d);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}[{string.Join(',', _shape)}]";
}
