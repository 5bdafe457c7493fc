using FedEdge.Core.Privacy;

namespace FedEdge.Device.Privacy;

/// <summary>
/// The RDP curve of one step of the subsampled Gaussian, per (q, σ), for the few mechanisms a device uses (its check-in
/// offer, its contribution): evaluating the curve at every order costs thousands of log/exp calls, and the agent asks for
/// it at every check-in (<see cref="PrivacyLedger.CanAfford"/>) and for every record. <see cref="AddSteps"/> gives exactly
/// what <see cref="RdpAccountant.ComputeRdp(SubsampledGaussian)"/> gives (the same products, bit for bit). Bounded to
/// <see cref="Capacity"/> curves, the oldest replaced first. Not thread-safe: the ledger uses it under its gate.
/// </summary>
internal sealed class StepRdpCache(RdpAccountant accountant)
{
    /// <summary>Curves kept.</summary>
    public const int Capacity = 4;

    private readonly (double Q, double Sigma, double[] Curve)?[] _slots = new (double, double, double[])?[Capacity];
    private int _next;

    /// <summary>Adds the RDP of <paramref name="mechanism"/> (its steps times the one-step curve) to <paramref name="total"/>, order by order.</summary>
    public void AddSteps(SubsampledGaussian mechanism, Span<double> total)
    {
        if (mechanism.Steps == 0 || mechanism.SamplingRate == 0.0)
        {
            return;
        }

        double[] curve = Curve(mechanism.SamplingRate, mechanism.NoiseMultiplier);
        for (int i = 0; i < curve.Length; i++)
        {
            total[i] += mechanism.Steps * curve[i];
        }
    }

    private double[] Curve(double q, double sigma)
    {
        foreach (var slot in _slots)
        {
            if (slot is { } s && s.Q.Equals(q) && s.Sigma.Equals(sigma))
            {
                return s.Curve;
            }
        }

        double[] curve = accountant.ComputeRdp(new SubsampledGaussian(q, sigma, 1));
        _slots[_next] = (q, sigma, curve);
        _next = (_next + 1) % Capacity;
        return curve;
    }
}
