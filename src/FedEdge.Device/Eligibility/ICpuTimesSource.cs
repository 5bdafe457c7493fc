namespace FedEdge.Device.Eligibility;

/// <summary>Reads cumulative CPU times; null when they cannot be read.</summary>
public interface ICpuTimesSource
{
    /// <summary>The current cumulative times, or null if the source is unavailable.</summary>
    CpuTimes? Read();
}
