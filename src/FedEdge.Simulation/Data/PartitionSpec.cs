using System.Globalization;

namespace FedEdge.Simulation.Data;

/// <summary>How the training data is split over the devices.</summary>
public sealed record PartitionSpec
{
    private PartitionSpec(PartitionKind kind, double alpha)
    {
        Kind = kind;
        Alpha = alpha;
    }

    /// <summary>The scheme.</summary>
    public PartitionKind Kind { get; }

    /// <summary>Dirichlet concentration α (smaller = more skewed label mixes).</summary>
    public double Alpha { get; }

    /// <summary>Uniformly random shards.</summary>
    public static PartitionSpec Iid { get; } = new(PartitionKind.Iid, 0);

    /// <summary>Each device is a home with its own data (synthetic data only).</summary>
    public static PartitionSpec Natural { get; } = new(PartitionKind.Natural, 0);

    /// <summary>Per-class Dirichlet(α) proportions over devices (Hsu et al. 2019).</summary>
    public static PartitionSpec Dirichlet(double alpha) =>
        alpha > 0 && double.IsFinite(alpha) ? new(PartitionKind.Dirichlet, alpha) : throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be positive.");

    /// <summary>Parses <c>iid</c>, <c>natural</c> or <c>dirichlet:α</c>.</summary>
    /// <exception cref="FormatException">Anything else.</exception>
    public static PartitionSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim().ToLowerInvariant();
        if (trimmed == "iid")
        {
            return Iid;
        }

        if (trimmed == "natural")
        {
            return Natural;
        }

        if (trimmed.StartsWith("dirichlet:", StringComparison.Ordinal)
            && double.TryParse(trimmed["dirichlet:".Length..], NumberStyles.Float, CultureInfo.InvariantCulture, out double alpha)
            && alpha > 0 && double.IsFinite(alpha))
        {
            return Dirichlet(alpha);
        }

        throw new FormatException($"--partition '{text}' is not iid, natural or dirichlet:α with α > 0 (e.g. dirichlet:0.3).");
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        PartitionKind.Dirichlet => string.Create(CultureInfo.InvariantCulture, $"dirichlet:{Alpha:G4}"),
        PartitionKind.Natural => "natural",
        _ => "iid",
    };
}
