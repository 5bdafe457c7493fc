using FedEdge.Device.Configuration;
using FedEdge.Agent.Hosting;
using FedEdge.Core.Privacy;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>
/// How many user-level contributions the default budget affords. The reference count is computed here independently
/// of the accountant: the Gaussian mechanism's RDP k·α/(2z²) in closed form (Mironov 2017, Prop. 7), minimised over a
/// fine log grid of α with the tight conversion ε = r + ln((α−1)/α) − (ln δ + ln α)/(α−1) (Canonne, Kamath, Steinke
/// 2020, Prop. 12), instead of the accountant's subsampled-Gaussian series at q = 1 over its fixed order grid.
/// </summary>
public sealed class PrivacyOptionsTests
{
    [Fact]
    public void Default_budget_affords_about_twenty_contributions_as_the_accountant_counts_them()
    {
        var options = new PrivacyOptions();

        int counted = AffordableByAccountant(options.Epsilon, options.Delta, options.NoiseMultiplier);
        int reference = AffordableByClosedForm(options.Epsilon, options.Delta, options.NoiseMultiplier);

        // the accountant minimises over a coarser order grid, so its ε is at most slightly larger: same count or one fewer
        Assert.InRange(counted, reference - 1, reference);
        Assert.InRange(counted, 20, 30);
    }

    [Fact]
    public void Noise_multiplier_one_would_afford_only_two_contributions_at_the_default_budget()
    {
        var options = new PrivacyOptions();

        Assert.Equal(2, AffordableByAccountant(options.Epsilon, options.Delta, 1.0));
        Assert.Equal(2, AffordableByClosedForm(options.Epsilon, options.Delta, 1.0));
    }

    private static int AffordableByAccountant(double epsilon, double delta, double z)
    {
        var accountant = new RdpAccountant();
        int k = 0;
        while (accountant.GetPrivacySpent(new SubsampledGaussian(1.0, z, k + 1), delta).Epsilon <= epsilon)
        {
            k++;
        }

        return k;
    }

    private static int AffordableByClosedForm(double epsilon, double delta, double z)
    {
        int k = 0;
        while (ClosedFormEpsilon(k + 1, delta, z) <= epsilon)
        {
            k++;
        }

        return k;
    }

    private static double ClosedFormEpsilon(int releases, double delta, double z)
    {
        double best = double.PositiveInfinity;
        for (double alpha = 1.001; alpha < 10_000; alpha *= 1.0005)
        {
            double rdp = releases * alpha / (2 * z * z);
            double eps = rdp + Math.Log((alpha - 1) / alpha) - ((Math.Log(delta) + Math.Log(alpha)) / (alpha - 1));
            best = Math.Min(best, eps);
        }

        return best;
    }
}
