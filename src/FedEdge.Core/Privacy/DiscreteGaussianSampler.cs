using System.Security.Cryptography;

namespace FedEdge.Core.Privacy;

/// <summary>
/// Samples the discrete Gaussian N_Z(0, σ²), P[X = x] ∝ exp(−x²/(2σ²)) on the integers, by rejection from a
/// discrete Laplace (Canonne, Kamath, Steinke 2020, "The Discrete Gaussian for Differential Privacy",
/// Algorithm 2 for the discrete Laplace and Algorithm 3 for the Gaussian, with t = ⌊σ⌋ + 1).
/// Randomness comes only from a cryptographic <see cref="RandomNumberGenerator"/>. Not thread-safe.
/// </summary>
/// <remarks>
/// Approximation, stated: the paper draws every Bernoulli(exp(−γ)) with exact rational arithmetic. Here σ² is a
/// double and each Bernoulli(p) is decided as U &lt; p with p = exp(−γ) evaluated in double precision and U a
/// uniform on the 2⁻⁵³ grid, so each acceptance probability is off by at most ~2⁻⁵² relative; the output law
/// differs from the exact discrete Gaussian by a total variation of order (expected Bernoulli draws per
/// sample)·2⁻⁵², far below any δ in use. The loop counts depend on the output (a timing side channel, as in the
/// paper's reference implementation); do not expose sampling time to an adversary.
/// </remarks>
public sealed class DiscreteGaussianSampler : IDisposable
{
    /// <summary>Largest σ² accepted: keeps t·V and x² far from long/double overflow.</summary>
    public const double MaxSigmaSquared = 1e12;

    private static readonly double InverseE = Math.Exp(-1.0);

    private readonly RandomNumberGenerator _rng;
    private readonly bool _ownsRng;
    private readonly SecureRandomBits _bits;

    /// <summary>A sampler over a fresh <see cref="RandomNumberGenerator.Create()"/> (owned by this instance).</summary>
    public DiscreteGaussianSampler()
    {
        _rng = RandomNumberGenerator.Create();
        _ownsRng = true;
        _bits = new SecureRandomBits(_rng);
    }

    /// <summary>A sampler over <paramref name="rng"/>, which the caller owns.</summary>
    public DiscreteGaussianSampler(RandomNumberGenerator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _rng = rng;
        _bits = new SecureRandomBits(rng);
    }

    /// <summary>One draw from N_Z(0, σ²).</summary>
    /// <exception cref="ArgumentOutOfRangeException">σ² not in (0, <see cref="MaxSigmaSquared"/>].</exception>
    public long Next(double sigmaSquared)
    {
        ValidateSigmaSquared(sigmaSquared);
        return SampleGaussian(sigmaSquared, (long)Math.Floor(Math.Sqrt(sigmaSquared)) + 1);
    }

    /// <summary>destination[i] ← independent draws from N_Z(0, σ²).</summary>
    public void Fill(Span<long> destination, double sigmaSquared)
    {
        ValidateSigmaSquared(sigmaSquared);
        long t = (long)Math.Floor(Math.Sqrt(sigmaSquared)) + 1;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = SampleGaussian(sigmaSquared, t);
        }
    }

    /// <summary>
    /// destination[i] ← independent draws from N_Z(0, σ²). σ ≤ 10⁶ (<see cref="MaxSigmaSquared"/>), so |x| ≥ 2³¹ would be
    /// a 2000σ event; were it to happen, the checked cast throws <see cref="OverflowException"/> rather than wrapping.
    /// </summary>
    public void Fill(Span<int> destination, double sigmaSquared)
    {
        ValidateSigmaSquared(sigmaSquared);
        long t = (long)Math.Floor(Math.Sqrt(sigmaSquared)) + 1;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = checked((int)SampleGaussian(sigmaSquared, t));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsRng)
        {
            _rng.Dispose();
        }
    }

    private static void ValidateSigmaSquared(double sigmaSquared)
    {
        if (!(sigmaSquared > 0.0 && sigmaSquared <= MaxSigmaSquared))
        {
            throw new ArgumentOutOfRangeException(nameof(sigmaSquared), sigmaSquared, $"σ² must lie in (0, {MaxSigmaSquared}].");
        }
    }

    // CKS20 Algorithm 3: Y ~ Lap_Z(t), accept with probability exp(−(|Y| − σ²/t)²/(2σ²)).
    // With t = ⌊σ⌋ + 1 the expected number of rounds is below ~2.5 (CKS20, Sec. 5.3).
    private long SampleGaussian(double sigmaSquared, long t)
    {
        double shift = sigmaSquared / t;
        while (true)
        {
            long y = SampleDiscreteLaplace(t);
            double gap = Math.Abs(y) - shift;
            if (_bits.NextBernoulli(Math.Exp(-(gap * gap) / (2.0 * sigmaSquared))))
            {
                return y;
            }
        }
    }

    // CKS20 Algorithm 2: P[X = x] ∝ exp(−|x|/t). U uniform on {0..t−1} accepted w.p. exp(−U/t) gives the
    // remainder, V ~ Geometric(1 − 1/e) counted by Bernoulli(1/e) successes gives the quotient, X = U + tV;
    // a random sign, rejecting (−, 0) so zero is not counted twice.
    private long SampleDiscreteLaplace(long t)
    {
        while (true)
        {
            long u = (long)_bits.NextBelow((ulong)t);
            if (!_bits.NextBernoulli(Math.Exp(-(double)u / t)))
            {
                continue;
            }

            long v = 0;
            while (_bits.NextBernoulli(InverseE))
            {
                v++;
            }

            long x = u + (t * v);
            bool negative = (_bits.NextUInt64() & 1UL) != 0;
            if (negative && x == 0)
            {
                continue;
            }

            return negative ? -x : x;
        }
    }
}
