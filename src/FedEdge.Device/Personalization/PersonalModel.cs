using FedEdge.Core.Models;
using FedEdge.Core.Parameters;

namespace FedEdge.Device.Personalization;

/// <summary>
/// A device's personal parameters: only the tensors that are personal (the head's weight and bias
/// in <see cref="PersonalizationMode.Head"/> mode, every tensor in <see cref="PersonalizationMode.Ditto"/>
/// and <see cref="PersonalizationMode.LocalOnly"/> mode), Ditto's λ, the architecture they belong to and the global model version they were last based on.
/// They never leave the device: nothing here is encoded, published or logged.
/// </summary>
public sealed class PersonalModel
{
    private PersonalModel(PersonalizationMode mode, float proximalLambda, ModelArchitecture architecture, ulong baseVersion, long localSteps, ParameterSet parameters)
    {
        Mode = mode;
        ProximalLambda = mode == PersonalizationMode.Ditto ? proximalLambda : 0;
        Architecture = architecture;
        BaseVersion = baseVersion;
        LocalSteps = localSteps;
        Parameters = parameters;
    }

    /// <summary>Head, Ditto or LocalOnly.</summary>
    public PersonalizationMode Mode { get; }

    /// <summary>Ditto's λ this model is trained with (0 for Head and LocalOnly).</summary>
    public float ProximalLambda { get; }

    /// <summary>Which candidate this is (mode and λ).</summary>
    public PersonalCandidate Candidate => new(Mode, ProximalLambda);

    /// <summary>The model the parameters belong to.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>The global model version the personal model was last based on (its body, or its anchor).</summary>
    public ulong BaseVersion { get; }

    /// <summary>Local optimizer steps taken on this personal model since it was (re)initialised.</summary>
    public long LocalSteps { get; internal set; }

    /// <summary>The personal tensors, in <see cref="PersonalTensors"/> order; trained in place.</summary>
    public ParameterSet Parameters { get; }

    /// <summary>Names of the tensors that are personal in <paramref name="mode"/>: the last dense layer for Head, all for Ditto.</summary>
    /// <exception cref="ArgumentException"><paramref name="mode"/> is <see cref="PersonalizationMode.None"/>.</exception>
    public static IReadOnlyList<string> PersonalTensors(ModelArchitecture architecture, PersonalizationMode mode)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        return mode switch
        {
            PersonalizationMode.Head => TrainableSet.LastLayers(1).Resolve(architecture),
            PersonalizationMode.Ditto or PersonalizationMode.LocalOnly => TrainableSet.All.Resolve(architecture),
            _ => throw new ArgumentException($"Mode {mode} has no personal model.", nameof(mode)),
        };
    }

    /// <summary>
    /// A personal model initialised from <paramref name="global"/> (its tensors copied) — the global
    /// parameters for Head and Ditto, the seeded initial weights for LocalOnly.
    /// </summary>
    public static PersonalModel FromGlobal(PersonalizationMode mode, ModelArchitecture architecture, ParameterSet global, ulong globalVersion, float proximalLambda = 0)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        RequireFits(architecture, global);
        var layout = architecture.Layout.Subset(PersonalTensors(architecture, mode));
        var parameters = new ParameterSet(layout);
        for (int i = 0; i < layout.Count; i++)
        {
            global[layout.Tensors[i].Name].CopyTo(parameters.Tensor(i));
        }

        return new PersonalModel(mode, proximalLambda, architecture, globalVersion, 0, parameters);
    }

    /// <summary>Wraps stored parameters; the layout must be exactly the personal tensors of the mode.</summary>
    /// <exception cref="ArgumentException">The layout does not match the mode and architecture.</exception>
    public static PersonalModel FromParameters(PersonalizationMode mode, ModelArchitecture architecture, ulong baseVersion, long localSteps, ParameterSet parameters, float proximalLambda = 0)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(localSteps);
        var expected = architecture.Layout.Subset(PersonalTensors(architecture, mode));
        if (!parameters.Layout.Equals(expected))
        {
            throw new ArgumentException($"A {mode} personal model of {architecture} has tensors [{expected}], not [{parameters.Layout}].", nameof(parameters));
        }

        if (!(proximalLambda >= 0) || !float.IsFinite(proximalLambda))
        {
            throw new ArgumentOutOfRangeException(nameof(proximalLambda), proximalLambda, "λ must be finite and ≥ 0.");
        }

        return new PersonalModel(mode, proximalLambda, architecture, baseVersion, localSteps, parameters);
    }

    /// <summary>The same personal parameters (copied) re-based on another global version.</summary>
    public PersonalModel WithBaseVersion(ulong globalVersion) => new(Mode, ProximalLambda, Architecture, globalVersion, LocalSteps, Parameters.Clone());

    /// <summary>
    /// The full parameters the personal model predicts with: the global parameters with the
    /// personal tensors laid over them (Head: global body + personal head; Ditto: all personal).
    /// </summary>
    public ParameterSet Compose(ParameterSet global)
    {
        var composed = new ParameterSet(Architecture.Layout);
        ComposeInto(global, composed);
        return composed;
    }

    /// <summary><see cref="Compose"/> into an existing full parameter set (no allocation).</summary>
    public void ComposeInto(ParameterSet global, ParameterSet destination)
    {
        RequireFits(Architecture, global);
        RequireFits(Architecture, destination);
        destination.CopyFrom(global);
        for (int i = 0; i < Parameters.Layout.Count; i++)
        {
            Parameters.Tensor(i).CopyTo(destination[Parameters.Layout.Tensors[i].Name]);
        }
    }

    /// <summary>Copies the personal tensors out of a full parameter set (after training).</summary>
    internal void TakeFrom(ParameterSet full)
    {
        for (int i = 0; i < Parameters.Layout.Count; i++)
        {
            full[Parameters.Layout.Tensors[i].Name].CopyTo(Parameters.Tensor(i));
        }
    }

    private static void RequireFits(ModelArchitecture architecture, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.Layout.Equals(architecture.Layout))
        {
            throw new ArgumentException($"Parameters [{parameters.Layout}] do not fit {architecture}.", nameof(parameters));
        }
    }
}
