using System.Numerics.Tensors;
using FedEdge.Core.Privacy;
using FedEdge.Core.SecureAggregation;

namespace FedEdge.Core.DistributedDp;

/// <summary>
/// The device side of the distributed discrete Gaussian (Kairouz, Liu, Steinke 2021, Alg. 1, "client procedure"):
/// clip to c; rotate with the public round seed (<see cref="RandomizedHadamard"/>); scale by 1/γ; randomized rounding to
/// the integers, redrawn until ‖x̃‖₂ ≤ Δ₂ (conditional rounding, their Prop. 22); add N_Z(0, σ²) to every coordinate
/// (<see cref="DiscreteGaussianSampler"/>, exact per Canonne, Kamath, Steinke 2020); reduce mod 2^b ("modular
/// clipping"). The output is ready for <see cref="PairwiseMasking"/>. All randomness is handed in; buffers are sized at
/// construction, so an encoding allocates nothing. Not thread-safe.
/// </summary>
public sealed class DistributedDiscreteGaussianEncoder : IDisposable
{
    /// <summary>Rounding attempts before giving up; each fails with probability ≤ β &lt; 1, so reaching this is a parameter error.</summary>
    public const int MaxRoundingAttempts = 1000;

    private readonly DistributedDiscreteGaussianParameters _parameters;
    private readonly RandomizedHadamard _rotation;
    private readonly double[] _scaled;
    private readonly long[] _rounded;
    private readonly long[] _noise;

    /// <summary>An encoder for updates of <see cref="DistributedDiscreteGaussianParameters.Dimension"/> coordinates.</summary>
    public DistributedDiscreteGaussianEncoder(DistributedDiscreteGaussianParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _rotation = new RandomizedHadamard(parameters.Dimension);
        _scaled = new double[parameters.PaddedDimension];
        _rounded = new long[parameters.PaddedDimension];
        _noise = new long[parameters.PaddedDimension];
    }

    /// <summary>The parameters this encoder applies.</summary>
    public DistributedDiscreteGaussianParameters Parameters => _parameters;

    /// <summary>
    /// destination (length D) ← the b-bit encoding of <paramref name="update"/> (length d, finite), noised with this
    /// device's share of the discrete Gaussian.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong lengths, or the update holds NaN/∞ (its norm, hence its sensitivity, is undefined).</exception>
    /// <exception cref="InvalidOperationException">No rounding met the norm bound in <see cref="MaxRoundingAttempts"/> draws.</exception>
    public EncodingOutcome Encode(
        ReadOnlySpan<float> update,
        ReadOnlySpan<byte> roundSeed,
        SecureRandomBits rounding,
        DiscreteGaussianSampler noise,
        Span<ushort> destination)
    {
        ArgumentNullException.ThrowIfNull(rounding);
        ArgumentNullException.ThrowIfNull(noise);
        if (update.Length != _parameters.Dimension || destination.Length != _parameters.PaddedDimension)
        {
            throw new ArgumentException(
                $"Encoding maps {_parameters.Dimension} → {_parameters.PaddedDimension} coordinates; got {update.Length} → {destination.Length}.");
        }

        double norm = TensorPrimitives.Norm(update);
        if (!double.IsFinite(norm))
        {
            throw new ArgumentException("The update holds NaN or infinite values; refusing to encode it.", nameof(update));
        }

        // Alg. 1 steps 1–3: x ← U·min(1, c/‖x‖)·x / γ.
        bool clipped = norm > _parameters.ClipNorm;
        double clip = clipped ? _parameters.ClipNorm / norm : 1.0;
        _rotation.Rotate(update, roundSeed, clip / _parameters.Gamma, _scaled);

        // Step 4: x̃_j = ⌊x_j⌋ + Bernoulli(x_j − ⌊x_j⌋), redrawn until ‖x̃‖₂² ≤ Δ₂².
        double boundSquared = _parameters.SensitivityBound * _parameters.SensitivityBound;
        int attempts = 0;
        while (true)
        {
            attempts++;
            double squaredNorm = 0.0;
            for (int j = 0; j < _scaled.Length; j++)
            {
                double floor = Math.Floor(_scaled[j]);
                long value = (long)floor + (rounding.NextBernoulli(_scaled[j] - floor) ? 1 : 0);
                _rounded[j] = value;
                squaredNorm += (double)value * value;
            }

            if (squaredNorm <= boundSquared)
            {
                break;
            }

            if (attempts == MaxRoundingAttempts)
            {
                throw new InvalidOperationException(
                    $"No randomized rounding met ‖x̃‖ ≤ Δ₂ = {_parameters.SensitivityBound:G6} in {MaxRoundingAttempts} attempts; β = {_parameters.Beta} cannot be right.");
            }
        }

        // Step 5: y = x̃ + N_Z(0, σ²)^D; then modular clipping to b bits.
        noise.Fill(_noise, _parameters.LocalVariance);
        TensorPrimitives.Add(_rounded, _noise, _rounded);
        int bits = _parameters.Bits;
        for (int j = 0; j < destination.Length; j++)
        {
            destination[j] = ModularVector.FromSigned(_rounded[j], bits);
        }

        return new EncodingOutcome(norm, clipped, attempts);
    }

    /// <inheritdoc />
    public void Dispose() => _rotation.Dispose();
}
