using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FedEdge.Onnx.Privacy;

/// <summary>
/// DP-SGD's per-example clipping (Abadi et al. 2016, Alg. 1) on the rows the per-example graph returns,
/// without materialising a per-example gradient. For dense layer l the gradient of example i is
/// hₗ₋₁,ᵢ ⊗ Gₗ,ᵢ for Wₗ and Gₗ,ᵢ for bₗ, so (Goodfellow 2015, "Efficient per-example gradient computations")
/// ‖∇ᵢ‖² = Σₗ (‖hₗ₋₁,ᵢ‖²·[Wₗ trainable] + [bₗ trainable])·‖Gₗ,ᵢ‖², summed over trainable tensors only.
/// Row i of every Gₗ is then scaled by fᵢ = min(1, C/‖∇ᵢ‖) = C / max(‖∇ᵢ‖, C), so that the sums the
/// clipped-sum graph forms from the scaled rows are Σᵢ fᵢ hₗ₋₁,ᵢ ⊗ Gₗ,ᵢ, and the scaled rows of a layer with a
/// trainable bias are added up here into its gradient Σᵢ fᵢGₗ,ᵢ while they are in cache (in the graph that sum was a
/// MatMul node per layer). Squares are summed in float32 per row (as the graph did) and combined in double. No allocation.
/// The rows are short (10–64 values) and visited once per row per step, so the loops are plain
/// <see cref="Vector{T}"/> code compiled fully optimised at first use: TensorPrimitives' generic
/// operators stayed at tier 0 for the first few thousand DP-SGD steps and cost more than the sums.
/// </summary>
internal sealed class PerExampleClipper
{
    private readonly Layer[] _layers;
    private readonly double[] _squared;
    private readonly float[] _factors;

    /// <param name="layers">Every dense layer with a trainable tensor.</param>
    /// <param name="maxRows">The largest batch <see cref="Clip"/> is given.</param>
    public PerExampleClipper(IReadOnlyList<Layer> layers, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        _layers = [.. layers];
        _squared = new double[maxRows];
        _factors = new float[maxRows];
    }

    /// <summary>
    /// Clips rows 0..<paramref name="rows"/>−1 in place, writes their unclipped norms and overwrites each trainable
    /// bias's gradient with the sum of its layer's clipped rows. Layer by layer (each pass runs over one contiguous
    /// buffer): the squared norms, then the factors, then the scaling and the bias sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Clip(int rows, float clipNorm, Span<float> norms)
    {
        var squared = _squared.AsSpan(0, rows);
        squared.Clear();
        foreach (var layer in _layers)
        {
            int inputWidth = layer.InputWidth;
            int width = layer.DeltaWidth;
            var deltas = layer.Deltas.AsSpan(0, rows * width);
            var inputs = layer.Weight ? layer.Inputs.AsSpan(0, rows * inputWidth) : [];
            double bias = layer.Bias ? 1.0 : 0.0;
            for (int i = 0; i < squared.Length; i++)
            {
                double inputSquared = (layer.Weight ? SumOfSquares(inputs.Slice(i * inputWidth, inputWidth)) : 0f) + bias;
                squared[i] += inputSquared * SumOfSquares(deltas.Slice(i * width, width));
            }
        }

        var factors = _factors.AsSpan(0, rows);
        bool anyClipped = false;
        for (int i = 0; i < squared.Length; i++)
        {
            double norm = Math.Sqrt(squared[i]);
            norms[i] = (float)norm;
            bool clipped = norm > clipNorm;
            anyClipped |= clipped;
            factors[i] = clipped ? (float)(clipNorm / norm) : 1f;
        }

        foreach (var layer in _layers)
        {
            int width = layer.DeltaWidth;
            var deltas = layer.Deltas.AsSpan(0, rows * width);
            if (anyClipped)
            {
                for (int i = 0; i < factors.Length; i++)
                {
                    if (factors[i] != 1f)
                    {
                        Scale(deltas.Slice(i * width, width), factors[i]);
                    }
                }
            }

            if (layer.Bias)
            {
                ColumnSums(deltas, width, layer.BiasSum);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SumOfSquares(ReadOnlySpan<float> row)
    {
        var sums = Vector<float>.Zero;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(row);
        foreach (var v in vectors)
        {
            sums += v * v;
        }

        float sum = Vector.Sum(sums);
        for (int k = vectors.Length * Vector<float>.Count; k < row.Length; k++)
        {
            sum += row[k] * row[k];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(Span<float> row, float factor)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(row);
        for (int k = 0; k < vectors.Length; k++)
        {
            vectors[k] *= factor;
        }

        for (int k = vectors.Length * Vector<float>.Count; k < row.Length; k++)
        {
            row[k] *= factor;
        }
    }

    /// <summary>
    /// sums[c] = Σᵢ rows[i·width + c]: a vector of columns at a time, accumulated in a register down all the rows
    /// (the [rows, width] block is a few KiB, in cache), then the columns left over one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ColumnSums(ReadOnlySpan<float> block, int width, Span<float> sums)
    {
        int rows = block.Length / width;
        int c = 0;
        for (; c + Vector<float>.Count <= width; c += Vector<float>.Count)
        {
            var sum = Vector<float>.Zero;
            for (int i = 0; i < rows; i++)
            {
                sum += new Vector<float>(block.Slice((i * width) + c, Vector<float>.Count));
            }

            sum.CopyTo(sums[c..]);
        }

        for (; c < width; c++)
        {
            float sum = 0;
            for (int i = 0; i < rows; i++)
            {
                sum += block[(i * width) + c];
            }

            sums[c] = sum;
        }
    }

    /// <summary>
    /// One dense layer's row-major buffers: its inputs hₗ₋₁ (when Wₗ is trainable), its deltas Gₗ, and where the
    /// gradient of bₗ goes (when bₗ is trainable).
    /// </summary>
    /// <param name="Inputs">[rows, InputWidth], or null when the weight is frozen.</param>
    /// <param name="InputWidth">Fan-in.</param>
    /// <param name="Deltas">[rows, DeltaWidth].</param>
    /// <param name="DeltaWidth">Fan-out.</param>
    /// <param name="Weight">Whether Wₗ is trainable.</param>
    /// <param name="BiasGradients">The buffer holding bₗ's gradient at <paramref name="BiasOffset"/> (DeltaWidth values), or null when bₗ is frozen.</param>
    /// <param name="BiasOffset">Offset of bₗ's gradient in <paramref name="BiasGradients"/>.</param>
    internal sealed record Layer(float[]? Inputs, int InputWidth, float[] Deltas, int DeltaWidth, bool Weight, float[]? BiasGradients, int BiasOffset)
    {
        /// <summary>Whether bₗ is trainable.</summary>
        public bool Bias => BiasGradients is not null;

        public Span<float> InputRow(int row) => Inputs.AsSpan(row * InputWidth, InputWidth);

        public Span<float> DeltaRow(int row) => Deltas.AsSpan(row * DeltaWidth, DeltaWidth);

        public Span<float> BiasSum => BiasGradients.AsSpan(BiasOffset, DeltaWidth);
    }
}
