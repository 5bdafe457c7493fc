namespace FedEdge.Core.Models;

/// <summary>
/// Which parameter tensors a training graph computes gradients for. The rest are frozen: plain
/// inputs that the optimizer never touches.
/// </summary>
public sealed class TrainableSet
{
    private readonly Func<ModelArchitecture, IEnumerable<string>> _select;

    private TrainableSet(string description, Func<ModelArchitecture, IEnumerable<string>> select)
    {
        Description = description;
        _select = select;
    }

    /// <summary>Every tensor.</summary>
    public static TrainableSet All { get; } = new("all", a => a.Layout.Tensors.Select(t => t.Name));

    /// <summary>A short description ("all", "last", "last-2", or the names).</summary>
    public string Description { get; }

    /// <summary>The weights and biases of the last <paramref name="layers"/> dense layers.</summary>
    public static TrainableSet LastLayers(int layers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        return new TrainableSet(layers == 1 ? "last" : $"last-{layers}", a =>
        {
            if (layers > a.LayerCount)
            {
                throw new ArgumentOutOfRangeException(nameof(layers), layers, $"{a} has only {a.LayerCount} layers.");
            }

            return Enumerable.Range(a.LayerCount - layers, layers)
                .SelectMany(l => new[] { ModelArchitecture.WeightName(l), ModelArchitecture.BiasName(l) });
        });
    }

    /// <summary>An explicit list of tensor names.</summary>
    public static TrainableSet Named(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        string[] list = names.ToArray();
        return new TrainableSet(string.Join(',', list), _ => list);
    }

    /// <summary>Parses "all", "last", "last-N" or a comma-separated list of tensor names.</summary>
    public static TrainableSet Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        if (text == "all")
        {
            return All;
        }

        if (text == "last")
        {
            return LastLayers(1);
        }

        if (text.StartsWith("last-", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n)
            && n >= 1)
        {
            return LastLayers(n);
        }

        return Named(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>The trainable tensor names for <paramref name="architecture"/>, in layout order.</summary>
    /// <exception cref="ArgumentException">A name is not a tensor of the architecture, or nothing is selected.</exception>
    public IReadOnlyList<string> Resolve(ModelArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var wanted = new HashSet<string>(_select(architecture), StringComparer.Ordinal);
        foreach (string name in wanted)
        {
            if (!architecture.Layout.Contains(name))
            {
                throw new ArgumentException($"'{name}' is not a parameter of {architecture} (have: {architecture.Layout}).", nameof(architecture));
            }
        }

        var ordered = architecture.Layout.Tensors.Select(t => t.Name).Where(wanted.Contains).ToArray();
        return ordered.Length == 0
            ? throw new ArgumentException("The trainable set is empty.", nameof(architecture))
            : ordered;
    }

    /// <inheritdoc/>
    public override string ToString() => Description;
}
