using System.Numerics.Tensors;

namespace FedEdge.Onnx.Privacy;

/// <summary>
/// DP-SGD's per-example clipping (Abadi et al. 2016, Alg. 1) on the rows the per-example graph returns,
/// without materialising a per-example gradient. For dense layer l the gradient of example i is
/// hₗ₋₁,ᵢ ⊗ Gₗ,ᵢ for Wₗ and Gₗ,ᵢ for bₗ, so (Goodfellow 2015, "Efficient per-example gradient computations")
/// ‖∇ᵢ‖² = Σₗ (‖hₗ₋₁,ᵢ‖²·[Wₗ trainable] + [bₗ trainable])·‖Gₗ,ᵢ‖², summed over trainable tensors only.
/// Row i of every Gₗ is then scaled by fᵢ = min(1, C/‖∇ᵢ‖) = C / max(‖∇ᵢ‖, C), so that the sums the
/// clipped-sum graph forms from the scaled rows are Σᵢ fᵢ∇ᵢ. Squares are summed in float32 per row
/// (as the graph did) and combined in double. No allocation.
/// </summary>
internal sealed class PerExampleClipper
{
    private readonly Layer[] _layers;

    /// <param name="layers">Every dense layer with a trainable tensor.</param>
    public PerExampleClipper(IReadOnlyList<Layer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        _layers = [.. layers];
    }

    /// <summary>Clips rows 0..<paramref name="rows"/>−1 in place and writes their unclipped norms.</summary>
    public void Clip(int rows, float clipNorm, Span<float> norms)
    {
        for (int i = 0; i < rows; i++)
        {
            double squared = 0;
            foreach (var layer in _layers)
            {
                double inputSquared = (layer.Weight ? TensorPrimitives.SumOfSquares(layer.InputRow(i)) : 0f) + (layer.Bias ? 1.0 : 0.0);
                squared += inputSquared * TensorPrimitives.SumOfSquares(layer.DeltaRow(i));
            }

            double norm = Math.Sqrt(squared);
            norms[i] = (float)norm;
            if (norm > clipNorm)
            {
                float factor = (float)(clipNorm / norm);
                foreach (var layer in _layers)
                {
                    var row = layer.DeltaRow(i);
                    TensorPrimitives.Multiply(row, factor, row);
                }
            }
        }
    }

    /// <summary>One dense layer's row-major buffers: its inputs hₗ₋₁ (when Wₗ is trainable) and its deltas Gₗ.</summary>
    /// <param name="Inputs">[rows, InputWidth], or null when the weight is frozen.</param>
    /// <param name="InputWidth">Fan-in.</param>
    /// <param name="Deltas">[rows, DeltaWidth].</param>
    /// <param name="DeltaWidth">Fan-out.</param>
    /// <param name="Weight">Whether Wₗ is trainable.</param>
    /// <param name="Bias">Whether bₗ is trainable.</param>
    internal sealed record Layer(float[]? Inputs, int InputWidth, float[] Deltas, int DeltaWidth, bool Weight, bool Bias)
    {
        public Span<float> InputRow(int row) => Inputs.AsSpan(row * InputWidth, InputWidth);

        public Span<float> DeltaRow(int row) => Deltas.AsSpan(row * DeltaWidth, DeltaWidth);
    }
}
