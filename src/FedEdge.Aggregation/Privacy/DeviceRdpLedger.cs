using FedEdge.Core.Privacy;
using FedEdge.Protocol.Wire;

namespace FedEdge.Aggregation.Privacy;

/// <summary>
/// The aggregator's own view of each device's privacy spend: the Rényi-DP curve of every mechanism the device declared
/// with an accepted update, composed by addition (Mironov 2017, Prop. 1) on <see cref="RdpAccountant.DefaultOrders"/>
/// and converted to ε at the fleet's δ with the tight conversion — the same accountant the device runs, so an honest
/// device's ledger and this one agree, and a device whose own ledger lies (or was wiped) is refused here anyway. The
/// curves live in the state store beside the buffer (keyed by device id, which the broker ties to the certificate), so
/// they survive restarts; this type only computes. Immutable.
/// </summary>
public sealed class DeviceRdpLedger
{
    // the device reserves with the same accountant but may compose k identical releases as one k-step mechanism; the
    // sums differ in the last bits, so an honest device exactly at its budget is not refused for rounding
    private const double BudgetTolerance = 1e-9;
    private readonly RdpAccountant _accountant = new();
    private readonly FleetPrivacyOptions _options;

    /// <summary>A ledger against the fleet's budget.</summary>
    public DeviceRdpLedger(FleetPrivacyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>How many orders a curve holds.</summary>
    public int Orders => _accountant.Orders.Count;

    /// <summary>
    /// The curve after charging <paramref name="dp"/> to <paramref name="before"/> (null = nothing spent yet), or null
    /// when the declared mechanism is None (nothing to charge). A mechanism the accountant cannot bound (z = 0, more steps
    /// than a long holds) charges +∞, which no budget admits.
    /// </summary>
    public double[]? Charge(ReadOnlySpan<double> before, DpParameters dp)
    {
        ArgumentNullException.ThrowIfNull(dp);
        if (dp.Mechanism == DpMechanism.None)
        {
            return null;
        }

        var after = new double[Orders];
        if (!before.IsEmpty)
        {
            if (before.Length != after.Length)
            {
                throw new InvalidDataException($"A stored RDP curve has {before.Length} orders, the accountant {after.Length}.");
            }

            before.CopyTo(after);
        }

        if (!(dp.NoiseMultiplier > 0.0) || dp.Steps > long.MaxValue || !(dp.SamplingRate is > 0.0 and <= 1.0))
        {
            Array.Fill(after, double.PositiveInfinity);
            return after;
        }

        double[] step = _accountant.ComputeRdp(new SubsampledGaussian(dp.SamplingRate, dp.NoiseMultiplier, (long)dp.Steps));
        System.Numerics.Tensors.TensorPrimitives.Add(after, step, after);
        return after;
    }

    /// <summary>ε at the fleet's δ of a curve (0 for none).</summary>
    public double Epsilon(ReadOnlySpan<double> curve) =>
        curve.IsEmpty ? 0.0 : _accountant.Convert(curve, _options.Delta).Epsilon;

    /// <summary>Whether a device that has spent <paramref name="curve"/> is within the fleet's ε.</summary>
    public bool WithinBudget(ReadOnlySpan<double> curve) => Epsilon(curve) <= _options.Epsilon * (1.0 + BudgetTolerance);
}
