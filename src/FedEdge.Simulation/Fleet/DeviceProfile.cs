namespace FedEdge.Simulation.Fleet;

/// <summary>
/// One virtual device's fixed traits, drawn once per seed.
/// </summary>
/// <param name="Index">Position in the fleet (0-based); also the data shard.</param>
/// <param name="DeviceId">Broker identity and update topic level.</param>
/// <param name="Board">Its board class.</param>
/// <param name="SpeedFactor">Multiplier on the board's training throughput (log-normal; below 1/10 for stragglers).</param>
/// <param name="Straggler">Whether the device is one of the ≥ 10× slower stragglers.</param>
/// <param name="OnMains">Always idle and powered (a hub on mains) instead of a daily idle-and-charging window.</param>
/// <param name="WindowStartHour">Start of the daily idle-and-charging window, hours after midnight.</param>
/// <param name="WindowHours">Length of the daily window.</param>
/// <param name="LatencySeconds">One-way network latency.</param>
public sealed record DeviceProfile(
    int Index,
    string DeviceId,
    BoardClass Board,
    double SpeedFactor,
    bool Straggler,
    bool OnMains,
    double WindowStartHour,
    double WindowHours,
    double LatencySeconds)
{
    /// <summary>Whether the device is idle and charging at <paramref name="time"/>.</summary>
    public bool InWindow(DateTimeOffset time)
    {
        if (OnMains)
        {
            return true;
        }

        double hour = time.TimeOfDay.TotalHours;
        double offset = (hour - WindowStartHour + 24) % 24;
        return offset < WindowHours;
    }

    /// <summary>When the current window ends (or the next one, if outside a window ends); MaxValue on mains.</summary>
    public DateTimeOffset WindowEnd(DateTimeOffset time)
    {
        if (OnMains)
        {
            return DateTimeOffset.MaxValue;
        }

        double hour = time.TimeOfDay.TotalHours;
        double offset = (hour - WindowStartHour + 24) % 24;
        double untilEnd = offset < WindowHours ? WindowHours - offset : 24 - offset + WindowHours;
        return time + TimeSpan.FromHours(untilEnd);
    }

    /// <summary>When the next window starts (now, if inside one).</summary>
    public DateTimeOffset NextWindowStart(DateTimeOffset time)
    {
        if (InWindow(time))
        {
            return time;
        }

        double hour = time.TimeOfDay.TotalHours;
        double offset = (hour - WindowStartHour + 24) % 24;
        return time + TimeSpan.FromHours(24 - offset);
    }

    /// <summary>Virtual seconds one local contribution over <paramref name="sampleEpochs"/> sample·epochs takes.</summary>
    public double TrainingSeconds(long sampleEpochs) => sampleEpochs / (Board.SamplesPerSecond * SpeedFactor);

    /// <summary>Virtual seconds to upload <paramref name="bytes"/> (latency + transfer).</summary>
    public double UploadSeconds(long bytes) => LatencySeconds + bytes / Board.UplinkBytesPerSecond;
}
