using FedEdge.Device.Eligibility;

namespace FedEdge.IntegrationTests.Agent;

/// <summary>A power source the test flips; optionally it reports "unplugged" once it has been read a given number of times.</summary>
internal sealed class SwitchablePower : IPowerSource
{
    private int _reads;
    private volatile int _state = (int)PowerState.OnBattery;

    public string Name => "test";

    public PowerState State
    {
        get => (PowerState)_state;
        set => _state = (int)value;
    }

    /// <summary>When set, every read after this many reports <see cref="PowerState.OnBattery"/> (the cable pulled mid-run).</summary>
    public int? UnplugAfterReads { get; set; }

    public int Reads => Volatile.Read(ref _reads);

    public PowerState Read()
    {
        int reads = Interlocked.Increment(ref _reads);
        return UnplugAfterReads is int limit && reads > limit ? PowerState.OnBattery : State;
    }
}
