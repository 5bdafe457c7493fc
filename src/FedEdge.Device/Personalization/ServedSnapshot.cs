using FedEdge.Core.Models;
using FedEdge.Core.Parameters;

namespace FedEdge.Device.Personalization;

/// <summary>One immutable state of <see cref="ServedModelState"/>.</summary>
/// <param name="Served">Which model answers predictions.</param>
/// <param name="Choice">The decision with both validation accuracies (NaN when unknown).</param>
/// <param name="GlobalVersion">The global model version the choice was made against.</param>
/// <param name="Architecture">The personal model's architecture (null when the global model is served).</param>
/// <param name="Parameters">Full parameters of the personal model (personal tensors over the global ones); null when the global model is served. Do not modify.</param>
/// <param name="Revision">Increases with every change, so readers rebuild their inference session only when needed.</param>
public sealed record ServedSnapshot(
    ServedModel Served,
    ServingChoice Choice,
    ulong GlobalVersion,
    ModelArchitecture? Architecture,
    ParameterSet? Parameters,
    long Revision)
{
    /// <summary>Before personalization has decided anything: the global model.</summary>
    public static ServedSnapshot Initial { get; } = new(ServedModel.Global, ServingChoice.GlobalOnly("personalization is off or has not run yet"), 0, null, null, 0);

    /// <summary>Whether the personal parameters should answer predictions made with global model <paramref name="installedVersion"/>.</summary>
    public bool ServesPersonalFor(ulong installedVersion) =>
        Served == ServedModel.Personal && Parameters is not null && Architecture is not null && GlobalVersion == installedVersion;
}
