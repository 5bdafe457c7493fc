using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FedEdge.Core.Privacy;

/// <summary>
/// Continuous Gaussian noise N(0, s²) for DP, driven only by a cryptographic <see cref="RandomNumberGenerator"/>
/// (never <see cref="Random"/>: its state is recoverable from outputs, which would let an observer subtract the noise).
/// Box–Muller (Box &amp; Muller 1958): for U1 in (0, 1], U2 in [0, 1), R = √(−2 ln U1) and Θ = 2πU2 give two
/// independent normals R·cos Θ and R·sin Θ. Uniforms have 53-bit resolution, so |z| ≤ √(106 ln 2) ≈ 8.57:
/// the tail beyond that (mass ~1e−17) is cut. Work is done in chunks with <see cref="TensorPrimitives"/>
/// (vector log, sqrt, sin/cos in double precision); no allocation after construction.
/// Not thread-safe: give each thread its own instance.
/// </summary>
/// <remarks>
/// Floating-point Gaussian samplers are not exactly private (Mironov 2012, "On significance of the least
/// significant bits for differential privacy"); the float32 outputs here inherit that caveat. Use
/// <see cref="DiscreteGaussianSampler"/> where an exact discrete mechanism is required.
/// </remarks>
public sealed class GaussianNoise : IDisposable
{
    /// <summary>Pairs generated per chunk: 1024 pairs = 16 KiB of random bytes and 40 KiB of double scratch.</summary>
    private const int PairsPerChunk = 1024;

    private const double TwoToMinus53 = 1.0 / (1UL << 53);

    private readonly RandomNumberGenerator _rng;
    private readonly bool _ownsRng;
    private readonly ulong[] _bits = new ulong[2 * PairsPerChunk];
    private readonly double[] _radius = new double[PairsPerChunk];
    private readonly double[] _angle = new double[PairsPerChunk];
    private readonly double[] _sin = new double[PairsPerChunk];
    private readonly double[] _cos = new double[PairsPerChunk];

    /// <summary>Noise from a fresh <see cref="RandomNumberGenerator.Create()"/> (owned and disposed by this instance).</summary>
    public GaussianNoise()
    {
        _rng = RandomNumberGenerator.Create();
        _ownsRng = true;
    }

    /// <summary>Noise from <paramref name="rng"/>, which the caller owns (tests pass a deterministic one).</summary>
    public GaussianNoise(RandomNumberGenerator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _rng = rng;
    }

    /// <summary>values[i] ← values[i] + N(0, stddev²), independently for every i.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stddev"/> negative or not finite.</exception>
    public void AddNoise(Span<float> values, double stddev) => Generate(values, stddev, add: true);

    /// <summary>destination[i] ← N(0, stddev²), independently for every i.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stddev"/> negative or not finite.</exception>
    public void Fill(Span<float> destination, double stddev) => Generate(destination, stddev, add: false);

    /// <summary>One draw of N(0, stddev²) in double precision.</summary>
    public double Next(double stddev)
    {
        ValidateStddev(stddev);
        Span<ulong> bits = stackalloc ulong[2];
        _rng.GetBytes(MemoryMarshal.AsBytes(bits));
        double u1 = ((bits[0] >> 11) + 1) * TwoToMinus53;
        double u2 = (bits[1] >> 11) * TwoToMinus53;
        return stddev * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsRng)
        {
            _rng.Dispose();
        }
    }

    private static void ValidateStddev(double stddev)
    {
        if (!(stddev >= 0.0) || double.IsPositiveInfinity(stddev))
        {
            throw new ArgumentOutOfRangeException(nameof(stddev), stddev, "The noise standard deviation must be finite and ≥ 0.");
        }
    }

    private void Generate(Span<float> values, double stddev, bool add)
    {
        ValidateStddev(stddev);
        while (!values.IsEmpty)
        {
            // A chunk of P pairs yields 2P normals: the cosines fill the first P outputs, the sines the next P.
            int pairs = Math.Min(PairsPerChunk, (values.Length + 1) / 2);
            Span<ulong> bits = _bits.AsSpan(0, 2 * pairs);
            _rng.GetBytes(MemoryMarshal.AsBytes(bits));

            Span<double> radius = _radius.AsSpan(0, pairs);
            Span<double> angle = _angle.AsSpan(0, pairs);
            for (int i = 0; i < pairs; i++)
            {
                // (k + 1)·2⁻⁵³ with k < 2⁵³ lies in (0, 1]: log never sees 0.
                radius[i] = ((bits[2 * i] >> 11) + 1) * TwoToMinus53;
                angle[i] = (bits[(2 * i) + 1] >> 11) * TwoToMinus53;
            }

            TensorPrimitives.Log(radius, radius);
            TensorPrimitives.Multiply(radius, -2.0, radius);
            TensorPrimitives.Sqrt(radius, radius);
            TensorPrimitives.Multiply(radius, stddev, radius);
            TensorPrimitives.Multiply(angle, 2.0 * Math.PI, angle);
            Span<double> sin = _sin.AsSpan(0, pairs);
            Span<double> cos = _cos.AsSpan(0, pairs);
            TensorPrimitives.SinCos(angle, sin, cos);
            TensorPrimitives.Multiply(cos, radius, cos);
            TensorPrimitives.Multiply(sin, radius, sin);

            int firstHalf = Math.Min(pairs, values.Length);
            Emit(values[..firstHalf], cos, add);
            Emit(values.Slice(firstHalf, Math.Min(pairs, values.Length - firstHalf)), sin, add);
            values = values[Math.Min(2 * pairs, values.Length)..];
        }
    }

    private static void Emit(Span<float> destination, ReadOnlySpan<double> noise, bool add)
    {
        if (add)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = (float)(destination[i] + noise[i]);
            }
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = (float)noise[i];
            }
        }
    }
}
