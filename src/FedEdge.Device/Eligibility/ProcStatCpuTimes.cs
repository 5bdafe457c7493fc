using System.Globalization;

namespace FedEdge.Device.Eligibility;

/// <summary>
/// CPU times from procfs: the aggregate "cpu" line of <c>/proc/stat</c> (proc(5): user nice system
/// idle iowait irq softirq steal, in USER_HZ ticks) and fields 14–15 (utime, stime) of
/// <c>/proc/self/stat</c>. The root is configurable so tests can point it at a fake tree.
/// </summary>
public sealed class ProcStatCpuTimes : ICpuTimesSource
{
    private const int MaxBytes = 64 * 1024;
    private readonly string _stat;
    private readonly string _self;

    /// <summary>Reads from <paramref name="procRoot"/> (default <c>/proc</c>).</summary>
    public ProcStatCpuTimes(string procRoot = "/proc")
    {
        ArgumentException.ThrowIfNullOrEmpty(procRoot);
        _stat = Path.Combine(procRoot, "stat");
        _self = Path.Combine(procRoot, "self", "stat");
    }

    /// <inheritdoc/>
    public CpuTimes? Read()
    {
        string? stat = ReadBounded(_stat);
        string? self = ReadBounded(_self);
        if (stat is null || self is null)
        {
            return null;
        }

        return TryParseStat(stat, out ulong total, out ulong idle) && TryParseSelf(self, out ulong own)
            ? new CpuTimes(total, idle, own)
            : null;
    }

    /// <summary>Parses the aggregate "cpu" line of /proc/stat.</summary>
    internal static bool TryParseStat(string text, out ulong total, out ulong idle)
    {
        total = 0;
        idle = 0;
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                continue;
            }

            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5)
            {
                return false;
            }

            // user nice system idle iowait irq softirq steal; guest times are already inside user/nice.
            for (int i = 1; i < Math.Min(fields.Length, 9); i++)
            {
                if (!ulong.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out ulong value))
                {
                    return false;
                }

                total += value;
                if (i is 4 or 5)
                {
                    idle += value;
                }
            }

            return true;
        }

        return false;
    }

    /// <summary>Parses utime + stime from /proc/self/stat (the command name may contain spaces and parentheses).</summary>
    internal static bool TryParseSelf(string text, out ulong own)
    {
        own = 0;
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        // after ") " come field 3 (state) onwards; utime and stime are fields 14 and 15
        string[] fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length > 12
            && ulong.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out ulong utime)
            && ulong.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out ulong stime))
        {
            own = utime + stime;
            return true;
        }

        return false;
    }

    private static string? ReadBounded(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 4096);
            var buffer = new byte[MaxBytes];
            int read = stream.ReadAtLeast(buffer, MaxBytes, throwOnEndOfStream: false);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
