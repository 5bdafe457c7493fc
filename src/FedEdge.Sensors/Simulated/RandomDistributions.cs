namespace FedEdge.Sensors.Simulated;

/// <summary>The few continuous and discrete distributions the simulated sensors draw from.</summary>
public static class RandomDistributions
{
    /// <summary>Normal(mean, sd) by the Box–Muller transform (Box &amp; Muller 1958, eq. 1).</summary>
    public static double NextGaussian(this Random random, double mean, double sd)
    {
        double u1 = 1.0 - random.NextDouble(); // (0, 1]: keeps log finite
        double u2 = random.NextDouble();
        return mean + (sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>Log-normal with median <paramref name="median"/> and log-scale sd <paramref name="sigma"/>.</summary>
    public static double NextLogNormal(this Random random, double median, double sigma) =>
        median * Math.Exp(random.NextGaussian(0, sigma));

    /// <summary>Uniform on [low, high).</summary>
    public static double NextUniform(this Random random, double low, double high) =>
        low + ((high - low) * random.NextDouble());

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public static bool NextBernoulli(this Random random, double p) => random.NextDouble() < p;

    /// <summary>
    /// Poisson(lambda) by Knuth's multiplication method (TAOCP vol. 2, 3.4.1); fine for the small
    /// rates used here (lambda &lt;= ~5 per reading).
    /// </summary>
    public static int NextPoisson(this Random random, double lambda)
    {
        double limit = Math.Exp(-lambda);
        int k = 0;
        double product = random.NextDouble();
        while (product > limit)
        {
            k++;
            product *= random.NextDouble();
        }

        return k;
    }
}
