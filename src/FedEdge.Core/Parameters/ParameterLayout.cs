namespace FedEdge.Core.Parameters;

/// <summary>
/// An ordered set of named tensors laid out back to back in one contiguous float32 buffer.
/// Immutable; shared by every <see cref="ParameterSet"/> of the same model.
/// </summary>
public sealed class ParameterLayout : IEquatable<ParameterLayout>
{
    private readonly TensorSpec[] _tensors;
    private readonly int[] _offsets;
    private readonly Dictionary<string, int> _indexByName;

    /// <summary>Creates a layout; names must be unique and the total length bounded.</summary>
    public ParameterLayout(IEnumerable<TensorSpec> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _tensors = tensors.ToArray();
        if (_tensors.Length == 0)
        {
            throw new ArgumentException("A parameter layout needs at least one tensor.", nameof(tensors));
        }

        _offsets = new int[_tensors.Length];
        _indexByName = new Dictionary<string, int>(_tensors.Length, StringComparer.Ordinal);
        long offset = 0;
        for (int i = 0; i < _tensors.Length; i++)
        {
            if (!_indexByName.TryAdd(_tensors[i].Name, i))
            {
                throw new ArgumentException($"Tensor name '{_tensors[i].Name}' appears twice.", nameof(tensors));
            }

            _offsets[i] = (int)offset;
            offset += _tensors[i].Length;
            if (offset > TensorSpec.MaxElements)
            {
                throw new ArgumentException($"The layout has more than {TensorSpec.MaxElements} elements.", nameof(tensors));
            }
        }

        TotalLength = (int)offset;
    }

    /// <summary>The tensors in buffer order.</summary>
    public IReadOnlyList<TensorSpec> Tensors => _tensors;

    /// <summary>Total number of float32 elements over all tensors.</summary>
    public int TotalLength { get; }

    /// <summary>Number of tensors.</summary>
    public int Count => _tensors.Length;

    /// <summary>Offset of tensor <paramref name="index"/> in the contiguous buffer.</summary>
    public int OffsetOf(int index) => _offsets[index];

    /// <summary>Index of the tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public int IndexOf(string name) =>
        _indexByName.TryGetValue(name, out int index)
            ? index
            : throw new KeyNotFoundException($"No tensor named '{name}' in layout ({string.Join(", ", _tensors.Select(t => t.Name))}).");

    /// <summary>Whether a tensor with that name exists.</summary>
    public bool Contains(string name) => _indexByName.ContainsKey(name);

    /// <summary>A layout with only the named tensors, in this layout's order.</summary>
    public ParameterLayout Subset(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (string name in wanted)
        {
            _ = IndexOf(name);
        }

        return new ParameterLayout(_tensors.Where(t => wanted.Contains(t.Name)));
    }

    /// <inheritdoc/>
    public bool Equals(ParameterLayout? other) =>
        other is not null && _tensors.AsSpan().SequenceEqual(other._tensors);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ParameterLayout);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var t in _tensors)
        {
            hash.Add(t);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", _tensors.Select(t => t.ToString()));
}
