using FedEdge.Core.Models;
using FedEdge.Core.Parameters;

namespace FedEdge.Device.Personalization;

/// <summary>
/// Which model the device serves right now, shared between the personalization loop (writer) and
/// the prediction and status code (readers). Readers take an immutable <see cref="ServedSnapshot"/>;
/// the writer swaps in a new one. Lives in process memory only: the personal parameters it holds are
/// never encoded, published or logged.
/// </summary>
public sealed class ServedModelState
{
    private ServedSnapshot _current = ServedSnapshot.Initial;

    /// <summary>The current choice (never null; the global model until personalization decides otherwise).</summary>
    public ServedSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Serve the global model of <paramref name="globalVersion"/> because of <paramref name="choice"/>.</summary>
    public void ServeGlobal(ServingChoice choice, ulong globalVersion)
    {
        ArgumentNullException.ThrowIfNull(choice);
        Swap(old => new ServedSnapshot(ServedModel.Global, choice, globalVersion, null, null, old.Revision + 1));
    }

    /// <summary>
    /// Serve <paramref name="parameters"/> (the personal model composed over the global model of
    /// <paramref name="globalVersion"/>; the state keeps its own copy).
    /// </summary>
    public void ServePersonal(ServingChoice choice, ulong globalVersion, ModelArchitecture architecture, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(choice);
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(parameters);
        var copy = parameters.Clone();
        Swap(old => new ServedSnapshot(ServedModel.Personal, choice, globalVersion, architecture, copy, old.Revision + 1));
    }

    private void Swap(Func<ServedSnapshot, ServedSnapshot> next)
    {
        ServedSnapshot seen;
        do
        {
            seen = Volatile.Read(ref _current);
        }
        while (!ReferenceEquals(Interlocked.CompareExchange(ref _current, next(seen), seen), seen));
    }
}
