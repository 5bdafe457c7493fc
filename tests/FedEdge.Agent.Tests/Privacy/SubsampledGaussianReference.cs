namespace FedEdge.Agent.Tests.Privacy;

/// <summary>
/// The subsampled Gaussian's RDP written independently of the product's accountant (Mironov, Talwar, Zhang 2019), for the
/// tests that check a ledger — the device's (<see cref="RandomCheckInTests"/>) and the aggregator's per-device one.
/// </summary>
internal static class SubsampledGaussianReference
{
    /// <summary>
    /// RDP at integer order <paramref name="alpha"/> of one step: log A_α / (α−1) with
    /// A_α = Σ_k C(α,k) (1−q)^(α−k) q^k exp((k²−k)/(2z²)), summed in log space (MTZ19 §3.3, integer α).
    /// </summary>
    public static double Rdp(double q, double z, int alpha)
    {
        double[] terms = new double[alpha + 1];
        double logChoose = 0; // log C(α, 0)
        for (int k = 0; k <= alpha; k++)
        {
            if (k > 0)
            {
                logChoose += Math.Log(alpha - k + 1) - Math.Log(k);
            }

            // q = 1: only k = α survives ((1−q)^0 = 1), the Gaussian's α/(2z²)
            terms[k] = logChoose + (alpha - k == 0 ? 0 : (alpha - k) * Math.Log(1 - q)) + k * Math.Log(q) + ((double)k * k - k) / (2 * z * z);
        }

        double max = terms.Max();
        return (max + Math.Log(terms.Sum(t => Math.Exp(t - max)))) / (alpha - 1);
    }

    /// <summary>
    /// ε of <paramref name="steps"/> subsampled Gaussian steps, written independently of the product: RDP at integer
    /// orders α by the binomial expansion of Mironov, Talwar, Zhang 2019 (§3.3, eq. for integer α):
    /// A_α = Σ_k C(α,k) (1−q)^(α−k) q^k exp((k²−k)/(2z²)), RDP = log A_α / (α−1), summed in log space; composed by
    /// multiplying by the steps; converted with ε = RDP + log((α−1)/α) − (log δ + log α)/(α−1) (Canonne, Kamath,
    /// Steinke 2020, Prop. 12 — the conversion the ledger uses) and minimised over the integer orders 2…64, 80, 96,
    /// 128, 256, 512, 1024.
    /// </summary>
    public static (double Epsilon, double Order) Epsilon(double q, double z, long steps, double delta)
    {
        int[] orders = [.. Enumerable.Range(2, 63), 80, 96, 128, 256, 512, 1024];
        double best = double.PositiveInfinity, bestOrder = 0;
        foreach (int alpha in orders)
        {
            double rdp = steps * Rdp(q, z, alpha);
            double epsilon = rdp + Math.Log((alpha - 1.0) / alpha) - (Math.Log(delta) + Math.Log(alpha)) / (alpha - 1);
            if (epsilon < best)
            {
                best = epsilon;
                bestOrder = alpha;
            }
        }

        return (best, bestOrder);
    }
}
