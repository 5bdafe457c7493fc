using FedEdge.Device.Eligibility;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>CPU times that advance by 100 ticks per read, all idle or all busy; an optional hook runs on every read.</summary>
internal sealed class ControlledCpu : ICpuTimesSource
{
    private readonly Lock _gate = new();
    private ulong _total;
    private ulong _idle;

    public bool Busy { get; set; }

    /// <summary>Called with the read count on every read (e.g. to kill a run at a chosen step).</summary>
    public Action<int>? OnRead { get; set; }

    public int Reads { get; private set; }

    public CpuTimes? Read()
    {
        CpuTimes times;
        int reads;
        lock (_gate)
        {
            _total += 100;
            _idle += Busy ? 0UL : 100UL;
            times = new CpuTimes(_total, _idle, 0);
            reads = ++Reads;
        }

        OnRead?.Invoke(reads);
        return times;
    }
}
