using FedEdge.Core.Models;

namespace FedEdge.Onnx.Tests.Support;

/// <summary>
/// An independent float64 implementation of the FedEdge classifier's forward pass and mean
/// softmax cross-entropy, written directly from the definitions (no ONNX), used as the reference
/// for gradient checks.
/// </summary>
public static class ReferenceClassifier
{
    public static double Loss(ModelArchitecture architecture, double[] parameters, float[] features, int[] labels)
    {
        int n = labels.Length;
        double total = 0;
        for (int row = 0; row < n; row++)
        {
            double[] h = new double[architecture.Inputs];
            for (int j = 0; j < h.Length; j++)
            {
                h[j] = features[row * architecture.Inputs + j];
            }

            int offset = 0;
            for (int layer = 0; layer < architecture.LayerCount; layer++)
            {
                int fanIn = architecture.FanIn(layer);
                int fanOut = architecture.FanOut(layer);
                double[] z = new double[fanOut];
                for (int o = 0; o < fanOut; o++)
                {
                    double sum = parameters[offset + fanIn * fanOut + o]; // bias follows the [in, out] weight
                    for (int i = 0; i < fanIn; i++)
                    {
                        sum += h[i] * parameters[offset + i * fanOut + o];
                    }

                    z[o] = layer < architecture.LayerCount - 1 ? Math.Max(0, sum) : sum;
                }

                offset += fanIn * fanOut + fanOut;
                h = z;
            }

            double max = h.Max();
            double logSumExp = max + Math.Log(h.Sum(v => Math.Exp(v - max)));
            total += logSumExp - h[labels[row]];
        }

        return total / n;
    }

    /// <summary>Central finite differences of <see cref="Loss"/>: (L(θ+h·eₖ) − L(θ−h·eₖ)) / 2h.</summary>
    public static double[] NumericalGradient(ModelArchitecture architecture, double[] parameters, float[] features, int[] labels, double h = 1e-5)
    {
        var gradient = new double[parameters.Length];
        var probe = (double[])parameters.Clone();
        for (int k = 0; k < parameters.Length; k++)
        {
            probe[k] = parameters[k] + h;
            double plus = Loss(architecture, probe, features, labels);
            probe[k] = parameters[k] - h;
            double minus = Loss(architecture, probe, features, labels);
            probe[k] = parameters[k];
            gradient[k] = (plus - minus) / (2 * h);
        }

        return gradient;
    }

    /// <summary>
    /// The gradient of <see cref="Loss"/> by backpropagation written out in float64 from the definitions
    /// (∂ℓᵢ/∂z_L = softmax − onehot; ∂/∂Wₗ = hₗ₋₁ᵀGₗ; ∂/∂bₗ = Σᵢ Gₗ,ᵢ; Gₗ₋₁ = GₗWₗᵀ ⊙ 1[zₗ₋₁ &gt; 0]), divided by N.
    /// Checked against <see cref="NumericalGradient"/> by its own test; fast enough for many training steps.
    /// </summary>
    public static double[] Gradient(ModelArchitecture architecture, double[] parameters, ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        int n = labels.Length;
        int layers = architecture.LayerCount;
        var offsets = new int[layers];
        for (int layer = 1; layer < layers; layer++)
        {
            offsets[layer] = offsets[layer - 1] + (architecture.FanIn(layer - 1) * architecture.FanOut(layer - 1)) + architecture.FanOut(layer - 1);
        }

        var gradient = new double[parameters.Length];
        for (int row = 0; row < n; row++)
        {
            // forward, keeping every layer's input and pre-activation
            var inputs = new double[layers][];
            var pre = new double[layers][];
            double[] h = new double[architecture.Inputs];
            for (int j = 0; j < h.Length; j++)
            {
                h[j] = features[row * architecture.Inputs + j];
            }

            for (int layer = 0; layer < layers; layer++)
            {
                int fanIn = architecture.FanIn(layer);
                int fanOut = architecture.FanOut(layer);
                inputs[layer] = h;
                var z = new double[fanOut];
                for (int o = 0; o < fanOut; o++)
                {
                    double sum = parameters[offsets[layer] + fanIn * fanOut + o];
                    for (int i = 0; i < fanIn; i++)
                    {
                        sum += h[i] * parameters[offsets[layer] + i * fanOut + o];
                    }

                    z[o] = sum;
                }

                pre[layer] = z;
                h = layer < layers - 1 ? z.Select(v => Math.Max(0, v)).ToArray() : z;
            }

            // softmax − onehot at the logits, then down the layers
            double max = h.Max();
            double[] delta = h.Select(v => Math.Exp(v - max)).ToArray();
            double total = delta.Sum();
            for (int c = 0; c < delta.Length; c++)
            {
                delta[c] = (delta[c] / total) - (c == labels[row] ? 1 : 0);
            }

            for (int layer = layers - 1; layer >= 0; layer--)
            {
                int fanIn = architecture.FanIn(layer);
                int fanOut = architecture.FanOut(layer);
                var below = new double[fanIn];
                for (int i = 0; i < fanIn; i++)
                {
                    for (int o = 0; o < fanOut; o++)
                    {
                        gradient[offsets[layer] + i * fanOut + o] += inputs[layer][i] * delta[o] / n;
                        below[i] += parameters[offsets[layer] + i * fanOut + o] * delta[o];
                    }
                }

                for (int o = 0; o < fanOut; o++)
                {
                    gradient[offsets[layer] + fanIn * fanOut + o] += delta[o] / n;
                }

                if (layer > 0)
                {
                    for (int i = 0; i < fanIn; i++)
                    {
                        below[i] = pre[layer - 1][i] > 0 ? below[i] : 0;
                    }

                    delta = below;
                }
            }
        }

        return gradient;
    }
}
