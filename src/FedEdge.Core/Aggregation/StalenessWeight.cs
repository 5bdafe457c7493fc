namespace FedEdge.Core.Aggregation;

/// <summary>Staleness discount functions for asynchronous aggregation.</summary>
public static class StalenessWeight
{
    /// <summary>
    /// s(τ) = 1/√(1+τ): the polynomial staleness function of FedAsync (Xie, Koyejo, Gupta 2019, with a = ½)
    /// that FedBuff uses (Nguyen et al. 2022, §3). s(0) = 1 and s is strictly decreasing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="staleness"/> negative.</exception>
    public static double Polynomial(long staleness)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(staleness);
        return 1.0 / Math.Sqrt(1.0 + staleness);
    }
}
