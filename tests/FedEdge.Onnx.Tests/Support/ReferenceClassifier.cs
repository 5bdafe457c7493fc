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
}
