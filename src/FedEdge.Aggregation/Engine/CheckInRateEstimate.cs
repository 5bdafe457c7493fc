using FedEdge.Protocol.Wire;

namespace FedEdge.Aggregation.Engine;

/// <summary>
/// The fleet's random check-in rate q as its devices declare it: the mean of the rates of the last
/// <see cref="Capacity"/> contributions (user-level updates, secure-aggregation joins); before any, the rate the fleet is
/// configured with (<see cref="FedEdge.Aggregation.Privacy.FleetPrivacyOptions.CheckInRate"/>). The pace multiplies
/// its check-in windows by it (shorter windows): a device offered a round joins with probability q, so the fleet must
/// check in 1/q times as often for the same number of updates (Balle et al. 2020, random check-ins). Bounded; not persisted (after a
/// restart the pace starts again from the configured rate until the first contributions arrive).
/// </summary>
/// <param name="configured">The rate before any declaration, in (0, 1]; below the floor it counts as the floor.</param>
internal sealed class CheckInRateEstimate(double configured)
{
    /// <summary>How many declared rates the mean is over.</summary>
    public const int Capacity = 256;

    // q below this is treated as this: bounds how far one device's declaration can shorten the fleet's windows
    private const double Floor = 1e-3;
    private readonly double[] _rates = new double[Capacity];
    private int _next;
    private int _count;
    private double _sum;

    private readonly double _configured = configured is > 0.0 and <= 1.0 ? Math.Max(Floor, configured) : throw new ArgumentOutOfRangeException(nameof(configured), configured, "A check-in rate is in (0, 1].");

    /// <summary>The mean declared rate; the configured one when nothing was declared yet.</summary>
    public double Rate => _count == 0 ? _configured : _sum / _count;

    /// <summary>Records the rate a user-level update declared; other mechanisms sample examples, not rounds, and are ignored.</summary>
    public void Observe(DpParameters? dp)
    {
        if (dp is { Mechanism: DpMechanism.UserLevelGaussian })
        {
            Observe(dp.SamplingRate);
        }
    }

    /// <summary>Records one declared rate; 0 or anything outside (0, 1] (undeclared, or malformed) counts as 1.</summary>
    public void Observe(double samplingRate)
    {
        double q = samplingRate is > 0.0 and <= 1.0 ? Math.Max(Floor, samplingRate) : 1.0;
        if (_count == Capacity)
        {
            _sum -= _rates[_next];
        }
        else
        {
            _count++;
        }

        _rates[_next] = q;
        _sum += q;
        _next = (_next + 1) % Capacity;
    }
}
