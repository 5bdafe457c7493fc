namespace FedEdge.Device.Eligibility;

/// <summary>Cumulative CPU time in clock ticks: all CPUs together, and this process.</summary>
/// <param name="Total">Sum of user, nice, system, idle, iowait, irq, softirq and steal over all CPUs.</param>
/// <param name="Idle">idle + iowait over all CPUs.</param>
/// <param name="Own">utime + stime of this process.</param>
public readonly record struct CpuTimes(ulong Total, ulong Idle, ulong Own);
