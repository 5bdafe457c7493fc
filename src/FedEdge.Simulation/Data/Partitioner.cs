using FedEdge.Sensors.Simulated;

namespace FedEdge.Simulation.Data;

/// <summary>Splits row indices over devices.</summary>
public static class Partitioner
{
    /// <summary>Row indices per device for <paramref name="labels"/> under <paramref name="spec"/> (iid or dirichlet).</summary>
    public static int[][] Split(ReadOnlySpan<int> labels, int classCount, int devices, PartitionSpec spec, Random random)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        var shards = Enumerable.Range(0, devices).Select(_ => new List<int>()).ToArray();
        if (spec.Kind == PartitionKind.Iid)
        {
            int[] rows = Enumerable.Range(0, labels.Length).ToArray();
            random.Shuffle(rows);
            for (int i = 0; i < rows.Length; i++)
            {
                shards[i % devices].Add(rows[i]);
            }
        }
        else if (spec.Kind == PartitionKind.Dirichlet)
        {
            // Hsu et al. 2019: for each class draw p ~ Dir(α·1) over devices and deal the class's rows by p.
            var proportions = new double[devices];
            for (int c = 0; c < classCount; c++)
            {
                var rows = new List<int>();
                for (int i = 0; i < labels.Length; i++)
                {
                    if (labels[i] == c)
                    {
                        rows.Add(i);
                    }
                }

                int[] shuffled = rows.ToArray();
                random.Shuffle(shuffled);
                double sum = 0;
                for (int d = 0; d < devices; d++)
                {
                    proportions[d] = Gamma(spec.Alpha, random);
                    sum += proportions[d];
                }

                double cumulative = 0;
                int start = 0;
                for (int d = 0; d < devices; d++)
                {
                    cumulative += proportions[d] / sum;
                    int end = d == devices - 1 ? shuffled.Length : (int)Math.Round(cumulative * shuffled.Length);
                    for (int k = start; k < end; k++)
                    {
                        shards[d].Add(shuffled[k]);
                    }

                    start = Math.Max(start, end);
                }
            }
        }
        else
        {
            throw new ArgumentException("A natural partition comes from the data source (one home per device), not from splitting rows.", nameof(spec));
        }

        return shards.Select(s => s.ToArray()).ToArray();
    }

    /// <summary>Gamma(shape, 1) by Marsaglia–Tsang (2000), with the α &lt; 1 boost U^(1/α).</summary>
    internal static double Gamma(double shape, Random random)
    {
        if (shape < 1)
        {
            double u = 1.0 - random.NextDouble();
            return Gamma(shape + 1, random) * Math.Pow(u, 1.0 / shape);
        }

        double d = shape - (1.0 / 3.0);
        double c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = random.NextGaussian(0, 1); // Box–Muller, as the simulated sensors draw it
                v = 1.0 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            double u = 1.0 - random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }
}
