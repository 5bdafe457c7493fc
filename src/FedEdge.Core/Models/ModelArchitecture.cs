using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Models;

/// <summary>
/// A fully connected classifier: inputs → (dense + ReLU)* → dense → logits, trained with softmax
/// cross-entropy. No hidden layer is multinomial logistic regression.
/// </summary>
public sealed class ModelArchitecture : IEquatable<ModelArchitecture>
{
    /// <summary>Upper bound on any layer width (keeps a malformed checkpoint from asking for huge buffers).</summary>
    public const int MaxWidth = 65536;

    /// <summary>Upper bound on hidden layers.</summary>
    public const int MaxHiddenLayers = 16;

    private readonly int[] _hidden;

    private ModelArchitecture(int inputs, int[] hidden, int classes)
    {
        Check(inputs, nameof(inputs), 1);
        Check(classes, nameof(classes), 2);
        if (hidden.Length > MaxHiddenLayers)
        {
            throw new ArgumentOutOfRangeException(nameof(hidden), hidden.Length, $"At most {MaxHiddenLayers} hidden layers.");
        }

        foreach (int h in hidden)
        {
            Check(h, nameof(hidden), 1);
        }

        Inputs = inputs;
        Classes = classes;
        _hidden = hidden;
        Layout = new ParameterLayout(BuildSpecs());
    }

    /// <summary>Number of input features.</summary>
    public int Inputs { get; }

    /// <summary>Hidden layer widths, input side first; empty for logistic regression.</summary>
    public IReadOnlyList<int> Hidden => _hidden;

    /// <summary>Number of classes (logits).</summary>
    public int Classes { get; }

    /// <summary>Number of dense layers (hidden + output).</summary>
    public int LayerCount => _hidden.Length + 1;

    /// <summary>The parameter tensors: <c>dense{i}.weight</c> [in, out] and <c>dense{i}.bias</c> [out] per layer.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>"logreg" or "mlp".</summary>
    public string Kind => _hidden.Length == 0 ? "logreg" : "mlp";

    /// <summary>Multinomial logistic regression.</summary>
    public static ModelArchitecture LogisticRegression(int inputs, int classes) => new(inputs, [], classes);

    /// <summary>A multilayer perceptron with ReLU hidden layers.</summary>
    public static ModelArchitecture Mlp(int inputs, IReadOnlyList<int> hidden, int classes)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        return new ModelArchitecture(inputs, hidden.ToArray(), classes);
    }

    /// <summary>Parses the canonical text form, e.g. <c>mlp-64-32-10</c> or <c>logreg-64-10</c>.</summary>
    /// <exception cref="FormatException">The text is not a canonical architecture string.</exception>
    public static ModelArchitecture Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('-');
        if (parts.Length < 3 || (parts[0] != "mlp" && parts[0] != "logreg"))
        {
            throw new FormatException($"'{text}' is not an architecture (expected e.g. 'mlp-64-32-10' or 'logreg-64-10').");
        }

        var widths = new int[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i - 1]) || widths[i - 1] > MaxWidth)
            {
                throw new FormatException($"'{text}': layer width '{parts[i]}' is not an integer in 1..{MaxWidth}.");
            }
        }

        if (parts[0] == "logreg" && widths.Length != 2)
        {
            throw new FormatException($"'{text}': logistic regression has exactly an input and a class count.");
        }

        try
        {
            return new ModelArchitecture(widths[0], widths[1..^1], widths[^1]);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new FormatException($"'{text}': {ex.Message}", ex);
        }
    }

    /// <summary>Width of the input to layer <paramref name="layer"/>.</summary>
    public int FanIn(int layer) => layer == 0 ? Inputs : _hidden[layer - 1];

    /// <summary>Width of the output of layer <paramref name="layer"/>.</summary>
    public int FanOut(int layer) => layer == _hidden.Length ? Classes : _hidden[layer];

    /// <summary>Name of layer <paramref name="layer"/>'s weight tensor.</summary>
    public static string WeightName(int layer) => $"dense{layer}.weight";

    /// <summary>Name of layer <paramref name="layer"/>'s bias tensor.</summary>
    public static string BiasName(int layer) => $"dense{layer}.bias";

    /// <summary>SHA-256 of the canonical text, hex; identifies the architecture on the wire.</summary>
    public string Hash() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToString())));

    /// <summary>
    /// Initial weights: He-normal for layers followed by ReLU, Glorot-normal for the output layer
    /// (He et al. 2015; Glorot &amp; Bengio 2010); biases zero.
    /// </summary>
    public ParameterSet InitialParameters(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var parameters = new ParameterSet(Layout);
        for (int layer = 0; layer < LayerCount; layer++)
        {
            int fanIn = FanIn(layer);
            int fanOut = FanOut(layer);
            double std = layer < _hidden.Length ? Math.Sqrt(2.0 / fanIn) : Math.Sqrt(2.0 / (fanIn + fanOut));
            Span<float> w = parameters[WeightName(layer)];
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = (float)(std * StandardNormal(random));
            }
        }

        return parameters;
    }

    /// <inheritdoc/>
    public bool Equals(ModelArchitecture? other) =>
        other is not null && Inputs == other.Inputs && Classes == other.Classes && _hidden.AsSpan().SequenceEqual(other._hidden);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ModelArchitecture);

    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    /// <summary>The canonical text form, e.g. <c>mlp-64-32-10</c>.</summary>
    public override string ToString() =>
        string.Join('-', new[] { Kind }.Concat(new[] { Inputs }.Concat(_hidden).Append(Classes).Select(w => w.ToString(CultureInfo.InvariantCulture))));

    private static double StandardNormal(Random random)
    {
        // Box–Muller; initialisation randomness is seeded for reproducibility, not for privacy.
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static void Check(int width, string name, int min)
    {
        if (width < min || width > MaxWidth)
        {
            throw new ArgumentOutOfRangeException(name, width, $"Layer width must be in {min}..{MaxWidth}.");
        }
    }

    private IEnumerable<TensorSpec> BuildSpecs()
    {
        for (int layer = 0; layer < LayerCount; layer++)
        {
            yield return new TensorSpec(WeightName(layer), FanIn(layer), FanOut(layer));
            yield return new TensorSpec(BiasName(layer), FanOut(layer));
        }
    }
}
