using FedEdge.Core.Privacy;

namespace FedEdge.Core.DistributedDp;

/// <summary>
/// Privacy accounting of the distributed discrete Gaussian under random check-ins, over the existing
/// <see cref="RdpAccountant"/> (no second subsampled-Gaussian implementation).
/// </summary>
/// <remarks>
/// <para>
/// One round, no sampling (Kairouz, Liu, Steinke 2021, hereafter KLS21, Thm. 1 with Prop. 14 — the form their
/// reference accounting evaluates): the sum of n_min i.i.d. N_Z(0, σ²)^D noises on a Δ₂-bounded integer vector satisfies,
/// at every order α,
/// RDP_α ≤ min{ α/(2z²) + τD,  (α/2)·(1/z + τ√D)² },   z = √n_min·σ/Δ₂,   τ = 10·Σ_{k=1}^{n_min−1} exp(−2π²σ²·k/(k+1)),
/// where τ measures how far the sum of discrete Gaussians is from a discrete Gaussian (<see cref="RoundRdp"/>).
/// For the σ in use (hundreds of grid units) τ underflows to 0 and the bound is the Gaussian α/(2z²).
/// </para>
/// <para>
/// Random check-ins (Balle, Kairouz, McMahan, Thakkar, Thakurta 2020, "Privacy Amplification via Random Check-Ins"):
/// a device offered a round joins only if a secret coin of probability q says so, independently of its data and of
/// other rounds, which is Poisson subsampling of that device. The ledger charges every round the device could have
/// joined — the coin's "no" included — because the amplified bound is a statement about the whole sequence of offers:
/// charging only the rounds joined would reveal (and condition on) the coin, and the guarantee would revert to the
/// unamplified one. The per-round charge for q &lt; 1 is the Poisson-subsampled Gaussian of Mironov, Talwar, Zhang 2019
/// (<see cref="RdpAccountant"/>) at the effective multiplier z_eff = 1/(1/z + τ√D), the Gaussian whose curve is the second
/// term above. Applying MTZ19 to it is the continuous-Gaussian approximation (stated; MTZ19 is exact for the
/// Gaussian, and with τ = 0 the discrete sum differs from the continuous one only by the lattice, which KLS21 show
/// costs nothing in RDP up to τ); KLS21's own reference code instead uses the looser general subsampling bound of Zhu
/// and Wang 2019 at integer orders.
/// </para>
/// <para>
/// Two numbers, because they hold against different observers: <see cref="EpsilonForCheckIns"/> against anyone who
/// sees the released models but not who took part (other homes, whoever receives the model); and
/// <see cref="EpsilonGivenParticipation"/> against the aggregator and the broker, which see which devices sent masked
/// vectors, so for them only the rounds joined count and each costs the unsampled RDP.
/// </para>
/// </remarks>
public sealed class DistributedDiscreteGaussianAccountant
{
    private readonly RdpAccountant _accountant;

    /// <summary>An accountant over <paramref name="accountant"/>'s orders (the default grid when null).</summary>
    public DistributedDiscreteGaussianAccountant(RdpAccountant? accountant = null) => _accountant = accountant ?? new RdpAccountant();

    /// <summary>The Rényi orders evaluated.</summary>
    public IReadOnlyList<double> Orders => _accountant.Orders;

    /// <summary>τ = 10·Σ_{k=1}^{n−1} exp(−2π²σ²·k/(k+1)) (KLS21 Thm. 1), σ² the per-device variance in grid units.</summary>
    public static double Tau(double localVariance, int survivors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(survivors, 1);
        double sum = 0.0;
        for (int k = 1; k < survivors; k++)
        {
            sum += Math.Exp(-2.0 * Math.PI * Math.PI * localVariance * k / (k + 1.0));
        }

        return 10.0 * sum;
    }

    /// <summary>z_eff = 1/(1/z + τ√D): the Gaussian multiplier whose RDP curve bounds one unsampled round.</summary>
    public static double EffectiveNoiseMultiplier(DistributedDiscreteGaussianParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double tau = Tau(parameters.LocalVariance, parameters.MinimumSurvivors);
        return 1.0 / ((1.0 / parameters.NoiseMultiplier) + (tau * Math.Sqrt(parameters.PaddedDimension)));
    }

    /// <summary>RDP at order α of one round a device took part in (no sampling): the KLS21 bound in the remarks.</summary>
    public static double RoundRdp(DistributedDiscreteGaussianParameters parameters, double order)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(order > 1.0) || double.IsPositiveInfinity(order))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "The Rényi order must be finite and > 1.");
        }

        double z = parameters.NoiseMultiplier;
        double tau = Tau(parameters.LocalVariance, parameters.MinimumSurvivors);
        double d = parameters.PaddedDimension;
        double first = (order / (2.0 * z * z)) + (tau * d);
        double scale = (1.0 / z) + (tau * Math.Sqrt(d));
        return Math.Min(first, order / 2.0 * scale * scale);
    }

    /// <summary>RDP per order of one offered round joined with probability q (MTZ19 at z_eff for q &lt; 1; <see cref="RoundRdp"/> at q = 1).</summary>
    public double[] RdpPerOfferedRound(DistributedDiscreteGaussianParameters parameters, double checkInRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return checkInRate == 1.0
            ? Unsampled(parameters, 1)
            : _accountant.ComputeRdp(new SubsampledGaussian(checkInRate, EffectiveNoiseMultiplier(parameters), 1));
    }

    /// <summary>
    /// (ε, δ) after <paramref name="roundsOffered"/> rounds the device could have joined, each with check-in rate q,
    /// against observers of the released models.
    /// </summary>
    public PrivacySpent EpsilonForCheckIns(DistributedDiscreteGaussianParameters parameters, double checkInRate, long roundsOffered, double delta)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(roundsOffered);
        if (checkInRate == 1.0)
        {
            return _accountant.Convert(Unsampled(parameters, roundsOffered), delta);
        }

        return _accountant.GetPrivacySpent(new SubsampledGaussian(checkInRate, EffectiveNoiseMultiplier(parameters), roundsOffered), delta);
    }

    /// <summary>(ε, δ) against the aggregator and broker, who know the <paramref name="roundsJoined"/> rounds the device sent in.</summary>
    public PrivacySpent EpsilonGivenParticipation(DistributedDiscreteGaussianParameters parameters, long roundsJoined, double delta)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(roundsJoined);
        return _accountant.Convert(Unsampled(parameters, roundsJoined), delta);
    }

    /// <summary>
    /// Parameters whose noise multiplier is the smallest meeting (ε, δ) over <paramref name="roundsOffered"/> offers at
    /// check-in rate q, with the finest γ whose overflow bound meets <paramref name="overflowTarget"/>. τ depends on γ
    /// and z on τ, so the two are iterated until z_eff reaches the Gaussian target (one pass when τ ≈ 0).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The target is unreachable, or b is too small for the chosen noise.</exception>
    public DistributedDiscreteGaussianParameters Calibrate(
        double targetEpsilon,
        double delta,
        double checkInRate,
        long roundsOffered,
        int dimension,
        double clipNorm,
        int bits,
        int minimumSurvivors,
        int maximumGroupSize,
        double? beta = null,
        double overflowTarget = DistributedDiscreteGaussianParameters.DefaultOverflowTarget)
    {
        double target = _accountant.MinimumNoiseMultiplier(targetEpsilon, delta, checkInRate, roundsOffered);
        double z = target;
        for (int iteration = 0; iteration < 50; iteration++)
        {
            var parameters = DistributedDiscreteGaussianParameters.WithFinestGamma(
                dimension, clipNorm, bits, minimumSurvivors, maximumGroupSize, z, beta, overflowTarget);
            double effective = EffectiveNoiseMultiplier(parameters);
            if (effective >= target * (1 - 1e-12))
            {
                return parameters;
            }

            z *= target / effective * (1 + 1e-9);
        }

        throw new ArgumentOutOfRangeException(
            nameof(targetEpsilon), targetEpsilon, $"The τ correction did not settle for ε = {targetEpsilon}; the per-device noise is too small for the discrete approximation.");
    }

    private double[] Unsampled(DistributedDiscreteGaussianParameters parameters, long rounds)
    {
        var rdp = new double[_accountant.Orders.Count];
        for (int i = 0; i < rdp.Length; i++)
        {
            rdp[i] = rounds * RoundRdp(parameters, _accountant.Orders[i]);
        }

        return rdp;
    }
}
