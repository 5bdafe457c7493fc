using FedEdge.Core.SecureAggregation;

namespace FedEdge.Core.DistributedDp;

/// <summary>
/// The server side of the distributed discrete Gaussian (Kairouz, Liu, Steinke 2021, Alg. 2): read each coordinate of
/// the unmasked modular sum as its representative in [−2^(b−1), 2^(b−1)), multiply by γ, and undo the rotation. The
/// result is the noisy <em>sum</em> of the group's clipped updates in model units (divide by the group size for a mean).
/// Allocation-free after construction; not thread-safe.
/// </summary>
public sealed class DistributedDiscreteGaussianDecoder : IDisposable
{
    private readonly DistributedDiscreteGaussianParameters _parameters;
    private readonly RandomizedHadamard _rotation;
    private readonly double[] _work;

    /// <summary>A decoder for sums encoded under <paramref name="parameters"/>.</summary>
    public DistributedDiscreteGaussianDecoder(DistributedDiscreteGaussianParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _rotation = new RandomizedHadamard(parameters.Dimension);
        _work = new double[parameters.PaddedDimension];
    }

    /// <summary>destination (length d) ← γ·U⁻¹·signed(<paramref name="modularSum"/>) (length D).</summary>
    public void Decode(ReadOnlySpan<ushort> modularSum, ReadOnlySpan<byte> roundSeed, Span<float> destination)
    {
        if (modularSum.Length != _parameters.PaddedDimension || destination.Length != _parameters.Dimension)
        {
            throw new ArgumentException(
                $"Decoding maps {_parameters.PaddedDimension} → {_parameters.Dimension} coordinates; got {modularSum.Length} → {destination.Length}.");
        }

        int bits = _parameters.Bits;
        for (int j = 0; j < _work.Length; j++)
        {
            _work[j] = ModularVector.ToSigned(modularSum[j], bits);
        }

        _rotation.InverseRotate(_work, roundSeed, _parameters.Gamma, destination);
    }

    /// <inheritdoc />
    public void Dispose() => _rotation.Dispose();
}
