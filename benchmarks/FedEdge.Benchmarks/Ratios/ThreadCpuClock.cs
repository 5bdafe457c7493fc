using System.Runtime.InteropServices;

namespace FedEdge.Benchmarks.Ratios;

/// <summary>
/// CPU time consumed by the calling thread (Linux CLOCK_THREAD_CPUTIME_ID), in seconds. On a shared
/// machine wall time also counts the time other processes hold the core; the calling thread's CPU
/// time does not, so the runs report both. It leaves out work done on other threads (DP-SGD's
/// concurrent noise), so only single-threaded comparisons use it.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3;

    public static double Seconds()
    {
        return clock_gettime(ClockThreadCpuTime, out var time) == 0
            ? time.Seconds + (time.Nanoseconds * 1e-9)
            : double.NaN;
    }

#pragma warning disable SA1300, IDE1006 // the libc name
    [DllImport("libc", SetLastError = false)]
    private static extern int clock_gettime(int clock, out TimeSpec time);
#pragma warning restore SA1300, IDE1006

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
