using System.Globalization;

namespace FedEdge.Device.Personalization;

/// <summary>
/// One kind of personal model a device may keep: its mode (<see cref="PersonalizationMode.Head"/>,
/// <see cref="PersonalizationMode.Ditto"/> or <see cref="PersonalizationMode.LocalOnly"/>) and, for
/// Ditto, its proximal weight λ. Two personal models are the same candidate when both agree.
/// </summary>
/// <param name="Mode">Head, Ditto or LocalOnly.</param>
/// <param name="ProximalLambda">Ditto's λ; 0 for the other modes.</param>
public readonly record struct PersonalCandidate(PersonalizationMode Mode, float ProximalLambda)
{
    /// <summary>The name of the global model in reports and serving reasons.</summary>
    public const string GlobalName = "global";

    /// <summary>The name of the <see cref="PersonalizationMode.LocalOnly"/> candidate: the home learning alone.</summary>
    public const string LocalOnlyName = "local-only";

    /// <summary>The candidate for <paramref name="mode"/> (λ is kept for Ditto only).</summary>
    public static PersonalCandidate Of(PersonalizationMode mode, float proximalLambda = 0) =>
        new(mode, mode == PersonalizationMode.Ditto ? proximalLambda : 0);

    /// <summary>Short stable name for reports and logs: head, ditto:0.1, local-only.</summary>
    public string Name => Mode switch
    {
        PersonalizationMode.Head => "head",
        PersonalizationMode.Ditto => string.Create(CultureInfo.InvariantCulture, $"ditto:{ProximalLambda:0.###}"),
        PersonalizationMode.LocalOnly => LocalOnlyName,
        _ => Mode.ToString().ToLowerInvariant(),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
