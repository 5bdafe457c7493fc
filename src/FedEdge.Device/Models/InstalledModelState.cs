namespace FedEdge.Device.Models;

/// <summary>
/// The one installed model of a device process, in memory: <see cref="Agent.DeviceAgent"/> sets it when it installs a
/// verified model, and every reader (contribution, prediction, personalization — they may run on other threads) takes the
/// current <see cref="InstalledModel"/>, which never changes once published.
/// </summary>
public sealed class InstalledModelState
{
    private InstalledModel? _current;

    /// <summary>The installed model, or null before the first.</summary>
    public InstalledModel? Current => Volatile.Read(ref _current);

    /// <summary>Publishes a newly installed model to every reader.</summary>
    public void Install(InstalledModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Volatile.Write(ref _current, model);
    }
}
