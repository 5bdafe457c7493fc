using FedEdge.Device.Eligibility;

namespace FedEdge.IntegrationTests.Agent;

/// <summary>CPU times that advance by 100 ticks per read, all idle or all busy (other processes) as the test says.</summary>
internal sealed class SwitchableCpu : ICpuTimesSource
{
    private readonly Lock _gate = new();
    private ulong _total;
    private ulong _idle;

    public bool Busy { get; set; }

    public CpuTimes? Read()
    {
        lock (_gate)
        {
            _total += 100;
            _idle += Busy ? 0UL : 100UL;
            return new CpuTimes(_total, _idle, 0);
        }
    }
}
