using System.Numerics;
using System.Numerics.Tensors;
using FedEdge.Core.SecureAggregation;

namespace FedEdge.Core.DistributedDp;

/// <summary>
/// The randomized Hadamard rotation U = (1/√D)·H_D·diag(ε) of the distributed discrete Gaussian (Kairouz, Liu, Steinke
/// 2021, "The Distributed Discrete Gaussian Mechanism for Federated Learning with Secure Aggregation", Alg. 1 step 2 and
/// §4.2): the update is zero-padded to D = 2^⌈log₂ d⌉, its signs flipped by a Rademacher diagonal ε drawn from a
/// public per-round seed, and transformed by the Walsh–Hadamard matrix. U is orthogonal (H_D² = D·I), so norms are
/// kept; after it every coordinate of a fixed vector x is a Rademacher sum with variance ‖x‖²/D, which is what makes
/// the coordinates "flat" enough for b-bit modular clipping. The inverse is diag(ε)·H_D/√D. Allocation-free after
/// construction; not thread-safe (holds its sign buffer and generator).
/// </summary>
public sealed class RandomizedHadamard : IDisposable
{
    private readonly double[] _signs;
    private readonly byte[] _signBits;
    private readonly MaskExpander _expander = new();

    /// <summary>A rotation for vectors of <paramref name="dimension"/> coordinates (padded to a power of two).</summary>
    /// <exception cref="ArgumentOutOfRangeException">d &lt; 1 or d &gt; 2²⁴.</exception>
    public RandomizedHadamard(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, 1 << 24);
        Dimension = dimension;
        PaddedDimension = PaddedLength(dimension);
        _signs = new double[PaddedDimension];
        _signBits = new byte[(PaddedDimension + 7) / 8];
    }

    /// <summary>d, the length of the vectors rotated.</summary>
    public int Dimension { get; }

    /// <summary>D = 2^⌈log₂ d⌉.</summary>
    public int PaddedDimension { get; }

    /// <summary>The next power of two ≥ <paramref name="dimension"/>.</summary>
    public static int PaddedLength(int dimension) => (int)BitOperations.RoundUpToPowerOf2((uint)dimension);

    /// <summary>destination (length D) ← scale · U·[x; 0], with ε from <paramref name="publicSeed"/>.</summary>
    public void Rotate(ReadOnlySpan<float> input, ReadOnlySpan<byte> publicSeed, double scale, Span<double> destination)
    {
        if (input.Length != Dimension || destination.Length != PaddedDimension)
        {
            throw new ArgumentException($"Rotation of {Dimension} → {PaddedDimension} coordinates; got {input.Length} → {destination.Length}.");
        }

        DrawSigns(publicSeed);
        for (int i = 0; i < input.Length; i++)
        {
            destination[i] = input[i];
        }

        destination[input.Length..].Clear();
        TensorPrimitives.Multiply(destination, _signs, destination);
        WalshHadamard(destination);
        TensorPrimitives.Multiply(destination, scale / Math.Sqrt(PaddedDimension), destination);
    }

    /// <summary>destination (length d) ← the first d coordinates of scale · U⁻¹·y; <paramref name="rotated"/> (length D) is overwritten.</summary>
    public void InverseRotate(Span<double> rotated, ReadOnlySpan<byte> publicSeed, double scale, Span<float> destination)
    {
        if (rotated.Length != PaddedDimension || destination.Length != Dimension)
        {
            throw new ArgumentException($"Inverse rotation of {PaddedDimension} → {Dimension} coordinates; got {rotated.Length} → {destination.Length}.");
        }

        DrawSigns(publicSeed);
        WalshHadamard(rotated);
        TensorPrimitives.Multiply(rotated, _signs, rotated);
        double factor = scale / Math.Sqrt(PaddedDimension);
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)(rotated[i] * factor);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _expander.Dispose();

    /// <summary>
    /// In-place unnormalised fast Walsh–Hadamard transform (Sylvester ordering, H_{2m} = [[H_m, H_m], [H_m, −H_m]]):
    /// log₂ D passes of butterflies (a, b) → (a + b, a − b), O(D log D).
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a power of two.</exception>
    public static void WalshHadamard(Span<double> values)
    {
        if (!BitOperations.IsPow2(values.Length))
        {
            throw new ArgumentException($"The Walsh–Hadamard transform needs a power-of-two length; got {values.Length}.", nameof(values));
        }

        for (int half = 1; half < values.Length; half <<= 1)
        {
            for (int start = 0; start < values.Length; start += 2 * half)
            {
                Span<double> left = values.Slice(start, half);
                Span<double> right = values.Slice(start + half, half);
                if (half >= Vector<double>.Count)
                {
                    for (int i = 0; i < half; i += Vector<double>.Count)
                    {
                        var a = new Vector<double>(left[i..]);
                        var b = new Vector<double>(right[i..]);
                        (a + b).CopyTo(left[i..]);
                        (a - b).CopyTo(right[i..]);
                    }
                }
                else
                {
                    for (int i = 0; i < half; i++)
                    {
                        double a = left[i];
                        double b = right[i];
                        left[i] = a + b;
                        right[i] = a - b;
                    }
                }
            }
        }
    }

    // ε_i = ±1 from bit i of the AES-CTR keystream of the public seed (MaskExpander): every party derives the same diagonal.
    // One keystream call per rotation (one AES key schedule).
    private void DrawSigns(ReadOnlySpan<byte> publicSeed)
    {
        _expander.Keystream(publicSeed, _signBits);
        for (int i = 0; i < PaddedDimension; i++)
        {
            _signs[i] = ((_signBits[i >> 3] >> (i & 7)) & 1) == 0 ? 1.0 : -1.0;
        }
    }
}
