namespace FedEdge.Core.Privacy;

/// <summary>
/// Rényi-DP accountant for compositions of Poisson-subsampled Gaussian mechanisms (DP-SGD steps,
/// DP-FedAvg rounds): RDP per order (Mironov, Talwar, Zhang 2019), additive composition over steps
/// and over heterogeneous mechanisms (Mironov 2017, Prop. 1), conversion to (ε, δ) minimised over a
/// fixed grid of orders, and the inverse (smallest σ for a target ε). Immutable and thread-safe.
/// </summary>
public sealed class RdpAccountant
{
    /// <summary>Default relative tolerance of <see cref="MinimumNoiseMultiplier"/>.</summary>
    public const double DefaultRelativeTolerance = 1e-4;

    /// <summary>Default lower end of the σ search bracket.</summary>
    public const double DefaultMinNoiseMultiplier = 0.05;

    /// <summary>Default upper end of the σ search bracket.</summary>
    public const double DefaultMaxNoiseMultiplier = 1000.0;

    private static readonly double[] DefaultOrderGrid = BuildDefaultOrders();

    private readonly double[] _orders;
    private readonly IReadOnlyList<double> _ordersView;

    /// <summary>An accountant over <see cref="DefaultOrders"/>.</summary>
    public RdpAccountant()
    {
        _orders = DefaultOrderGrid;
        _ordersView = Array.AsReadOnly(_orders);
    }

    /// <summary>An accountant over the given orders (each finite and &gt; 1; duplicates allowed but pointless).</summary>
    /// <exception cref="ArgumentException">The list is empty or holds an order ≤ 1 or not finite.</exception>
    public RdpAccountant(IEnumerable<double> orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        _orders = orders.ToArray();
        if (_orders.Length == 0)
        {
            throw new ArgumentException("At least one Rényi order is needed.", nameof(orders));
        }

        foreach (double order in _orders)
        {
            if (!(order > 1.0) || double.IsPositiveInfinity(order))
            {
                throw new ArgumentException($"Every Rényi order must be finite and > 1; got {order}.", nameof(orders));
            }
        }

        _ordersView = Array.AsReadOnly(_orders);
    }

    /// <summary>
    /// The default grid: 1.25…1.75 and 2.25…2.75 in steps of 0.25, 3.5 and 4.5, every integer 2…64,
    /// then 80, 96, 128, 256, 512 and 1024 — a superset of TF-Privacy's classic grid, so small ε
    /// (large σ, optimum near α ≈ 1.x) and large ε (optimum at high α) are both covered.
    /// </summary>
    public static IReadOnlyList<double> DefaultOrders { get; } = Array.AsReadOnly(DefaultOrderGrid);

    /// <summary>The orders this accountant evaluates.</summary>
    public IReadOnlyList<double> Orders => _ordersView;

    /// <summary>RDP of one step of the subsampled Gaussian at order <paramref name="order"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Any argument out of range.</exception>
    public static double SingleStepRdp(double samplingRate, double noiseMultiplier, double order)
    {
        var mechanism = new SubsampledGaussian(samplingRate, noiseMultiplier, 1);
        if (!(order > 1.0) || double.IsPositiveInfinity(order))
        {
            throw new ArgumentOutOfRangeException(nameof(order), order, "The Rényi order must be finite and > 1.");
        }

        return SampledGaussianRdp.Rdp(mechanism.SamplingRate, mechanism.NoiseMultiplier, order);
    }

    /// <summary>Total RDP, one value per entry of <see cref="Orders"/>, of <paramref name="mechanism"/>'s steps.</summary>
    public double[] ComputeRdp(SubsampledGaussian mechanism)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        return ComputeRdp([mechanism]);
    }

    /// <summary>Total RDP per order of a sequence of mechanisms: RDP adds under composition (Mironov 2017, Prop. 1).</summary>
    public double[] ComputeRdp(IEnumerable<SubsampledGaussian> mechanisms)
    {
        ArgumentNullException.ThrowIfNull(mechanisms);
        var total = new double[_orders.Length];
        foreach (SubsampledGaussian mechanism in mechanisms)
        {
            ArgumentNullException.ThrowIfNull(mechanism, nameof(mechanisms));
            if (mechanism.Steps == 0 || mechanism.SamplingRate == 0.0)
            {
                continue;
            }

            for (int i = 0; i < _orders.Length; i++)
            {
                total[i] += mechanism.Steps * SampledGaussianRdp.Rdp(mechanism.SamplingRate, mechanism.NoiseMultiplier, _orders[i]);
            }
        }

        return total;
    }

    /// <summary>(ε, δ) spent by <paramref name="mechanism"/>.</summary>
    public PrivacySpent GetPrivacySpent(SubsampledGaussian mechanism, double delta, ConversionMethod method = ConversionMethod.Tight)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        return GetPrivacySpent([mechanism], delta, method);
    }

    /// <summary>(ε, δ) spent by the composition of <paramref name="mechanisms"/>.</summary>
    public PrivacySpent GetPrivacySpent(IEnumerable<SubsampledGaussian> mechanisms, double delta, ConversionMethod method = ConversionMethod.Tight)
    {
        ValidateDelta(delta);
        return Convert(ComputeRdp(mechanisms), delta, method);
    }

    /// <summary>
    /// Converts an RDP curve (one value per entry of <see cref="Orders"/>) to (ε, δ), minimising over the orders.
    /// The result is clamped at ε = 0: an (ε &lt; 0, δ) statement is also a (0, δ) one.
    /// </summary>
    /// <exception cref="ArgumentException">The curve's length differs from the number of orders, or holds NaN/negative values.</exception>
    public PrivacySpent Convert(ReadOnlySpan<double> rdp, double delta, ConversionMethod method = ConversionMethod.Tight)
    {
        ValidateDelta(delta);
        if (rdp.Length != _orders.Length)
        {
            throw new ArgumentException($"The RDP curve has {rdp.Length} values but the accountant has {_orders.Length} orders.", nameof(rdp));
        }

        double logDelta = Math.Log(delta);
        double best = double.PositiveInfinity;
        double bestOrder = _orders[0];
        for (int i = 0; i < _orders.Length; i++)
        {
            if (!(rdp[i] >= 0.0))
            {
                throw new ArgumentException($"RDP values must be ≥ 0; got {rdp[i]} at order {_orders[i]}.", nameof(rdp));
            }

            double alpha = _orders[i];
            double epsilon = method switch
            {
                ConversionMethod.Tight => rdp[i] + LogSpace.Log1P(-1.0 / alpha) - (logDelta + Math.Log(alpha)) / (alpha - 1.0),
                ConversionMethod.Classic => rdp[i] - logDelta / (alpha - 1.0),
                _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown conversion method."),
            };

            if (epsilon < best)
            {
                best = epsilon;
                bestOrder = alpha;
            }
        }

        return new PrivacySpent(Math.Max(best, 0.0), delta, bestOrder);
    }

    /// <summary>
    /// The smallest noise multiplier σ (within <paramref name="relativeTolerance"/>) such that
    /// <paramref name="steps"/> steps of the subsampled Gaussian with rate <paramref name="samplingRate"/> are
    /// (<paramref name="targetEpsilon"/>, <paramref name="delta"/>)-DP. ε is non-increasing in σ (each RDP_α is,
    /// and so is a minimum over orders), so bisection on a bracket is exact up to the tolerance: the returned σ
    /// meets the target and σ·(1 − relativeTolerance) does not (unless σ is the bracket's lower end).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An argument is out of range, or the target is unreachable: even <paramref name="maxNoiseMultiplier"/> spends more than ε.
    /// </exception>
    public double MinimumNoiseMultiplier(
        double targetEpsilon,
        double delta,
        double samplingRate,
        long steps,
        ConversionMethod method = ConversionMethod.Tight,
        double relativeTolerance = DefaultRelativeTolerance,
        double minNoiseMultiplier = DefaultMinNoiseMultiplier,
        double maxNoiseMultiplier = DefaultMaxNoiseMultiplier)
    {
        if (!(targetEpsilon > 0.0) || double.IsPositiveInfinity(targetEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), targetEpsilon, "The target ε must be positive and finite.");
        }

        ValidateDelta(delta);
        if (!(relativeTolerance > 0.0 && relativeTolerance < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeTolerance), relativeTolerance, "The relative tolerance must lie in (0, 0.5).");
        }

        if (!(minNoiseMultiplier > 0.0) || !(maxNoiseMultiplier > minNoiseMultiplier) || double.IsPositiveInfinity(maxNoiseMultiplier))
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxNoiseMultiplier), maxNoiseMultiplier, $"The σ bracket must satisfy 0 < min < max < ∞; got [{minNoiseMultiplier}, {maxNoiseMultiplier}].");
        }

        _ = new SubsampledGaussian(samplingRate, maxNoiseMultiplier, steps); // validates q and steps

        double EpsilonAt(double sigma) => GetPrivacySpent(new SubsampledGaussian(samplingRate, sigma, steps), delta, method).Epsilon;

        double epsilonAtMax = EpsilonAt(maxNoiseMultiplier);
        if (epsilonAtMax > targetEpsilon)
        {
            throw new ArgumentOutOfRangeException(
                nameof(targetEpsilon),
                targetEpsilon,
                $"ε = {targetEpsilon} at δ = {delta} is unreachable with q = {samplingRate}, {steps} steps: even σ = {maxNoiseMultiplier} spends ε = {epsilonAtMax}.");
        }

        if (EpsilonAt(minNoiseMultiplier) <= targetEpsilon)
        {
            return minNoiseMultiplier;
        }

        // Invariant: ε(low) > target ≥ ε(high). Bisect geometrically: σ spans orders of magnitude.
        double low = minNoiseMultiplier;
        double high = maxNoiseMultiplier;
        while ((high - low) > relativeTolerance * high)
        {
            double mid = Math.Sqrt(low * high);
            if (mid <= low || mid >= high)
            {
                mid = 0.5 * (low + high);
            }

            if (EpsilonAt(mid) <= targetEpsilon)
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        return high;
    }

    private static void ValidateDelta(double delta)
    {
        if (!(delta > 0.0 && delta < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must lie in the open interval (0, 1).");
        }
    }

    private static double[] BuildDefaultOrders()
    {
        var orders = new List<double> { 1.25, 1.5, 1.75, 2.25, 2.5, 2.75, 3.5, 4.5 };
        for (int alpha = 2; alpha <= 64; alpha++)
        {
            orders.Add(alpha);
        }

        orders.AddRange([80, 96, 128, 256, 512, 1024]);
        orders.Sort();
        return [.. orders];
    }
}
