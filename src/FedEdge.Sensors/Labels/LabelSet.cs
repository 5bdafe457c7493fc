namespace FedEdge.Sensors.Labels;

/// <summary>
/// The fixed list of class names a model is trained on, mapping label text to the class index the
/// sample store and <see cref="Core.Data.Dataset"/> use. Lookup is case-insensitive.
/// </summary>
public sealed class LabelSet
{
    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates the set; names must be valid labels and distinct (ignoring case); at least two.</summary>
    public LabelSet(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = [.. names];
        if (_names.Length < 2)
        {
            throw new ArgumentException("A label set needs at least two classes.", nameof(names));
        }

        _index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < _names.Length; i++)
        {
            if (LabelEvent.Problem(_names[i]) is { } problem)
            {
                throw new ArgumentException($"Class {i}: {problem}.", nameof(names));
            }

            if (!_index.TryAdd(_names[i], i))
            {
                throw new ArgumentException($"Class name \"{_names[i]}\" appears twice.", nameof(names));
            }
        }
    }

    /// <summary>Number of classes.</summary>
    public int Count => _names.Length;

    /// <summary>The name of class <paramref name="index"/>.</summary>
    public string Name(int index) => _names[index];

    /// <summary>The class index of <paramref name="label"/>; false when it is not one of the classes.</summary>
    public bool TryGetIndex(string label, out int index) => _index.TryGetValue(label, out index);
}
