using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Tests.Codecs;

/// <summary>Layouts and update vectors shared by the codec tests.</summary>
internal static class CodecFixtures
{
    /// <summary>The digits MLP 64-32-10: W1 64×32, b1 32, W2 32×10, b2 10 = 2410 parameters.</summary>
    public static ParameterLayout DigitsMlp { get; } = new([
        new TensorSpec("W1", 64, 32),
        new TensorSpec("b1", 32),
        new TensorSpec("W2", 32, 10),
        new TensorSpec("b2", 10),
    ]);

    public const int DigitsParameters = (64 * 32) + 32 + (32 * 10) + 10;

    /// <summary>1 to 4 tensors of random shape, 1 to ~600 elements in all.</summary>
    public static ParameterLayout RandomLayout(Random rng)
    {
        int count = rng.Next(1, 5);
        var tensors = new TensorSpec[count];
        for (int i = 0; i < count; i++)
        {
            tensors[i] = rng.Next(2) == 0
                ? new TensorSpec($"t{i}", rng.Next(1, 150))
                : new TensorSpec($"t{i}", rng.Next(1, 13), rng.Next(1, 13));
        }

        return new ParameterLayout(tensors);
    }

    /// <summary>
    /// A finite update with the shapes codecs find hard: a Gaussian bulk at a random scale, exact
    /// zeros, repeated magnitudes (ties for top-k), sign flips and subnormals. |x| ≤ maxMagnitude.
    /// </summary>
    public static float[] RandomUpdate(Random rng, int n, double maxMagnitude = 1e4)
    {
        double scale = Math.Pow(10, (rng.NextDouble() * 6) - 4); // 1e-4 .. 1e2
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double pick = rng.NextDouble();
            double v = pick switch
            {
                < 0.70 => scale * Gaussian(rng),
                < 0.80 => 0,
                < 0.90 when i > 0 => x[i - 1],
                < 0.95 when i > 0 => -x[i - 1],
                < 0.95 => scale,
                _ => (rng.NextDouble() - 0.5) * 1e-39, // subnormal float32
            };
            x[i] = (float)Math.Clamp(v, -maxMagnitude, maxMagnitude);
        }

        return x;
    }

    /// <summary>A sorted random subset with roughly <paramref name="share"/> of the indices (at least one).</summary>
    public static int[] RandomIndices(Random rng, int n, double share)
    {
        var chosen = new List<int>();
        for (int i = 0; i < n; i++)
        {
            if (rng.NextDouble() < share)
            {
                chosen.Add(i);
            }
        }

        if (chosen.Count == 0)
        {
            chosen.Add(rng.Next(n));
        }

        return [.. chosen];
    }

    /// <summary>The first ⌈share·n⌉ indices of a seeded permutation, sorted.</summary>
    public static int[] ExactShareIndices(int n, int count, int seed)
    {
        var rng = new Random(seed);
        int[] all = new int[n];
        for (int i = 0; i < n; i++)
        {
            all[i] = i;
        }

        rng.Shuffle(all);
        int[] chosen = all[..count];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>Every codec over <paramref name="layout"/>; the subset codec gets a 25% subset.</summary>
    public static IUpdateCodec[] AllCodecs(ParameterLayout layout, int seed)
    {
        int n = layout.TotalLength;
        var subset = new ParameterSubset(ExactShareIndices(n, (n + 3) / 4, seed), n);
        return
        [
            new DenseFloat32Codec(),
            new Float16Codec(),
            new Int8StochasticCodec(new Random(seed)),
            new TopKSparseCodec(0.1),
            new SparseSubsetCodec(subset),
            new PackedStochasticCodec(3, new Random(seed)),
        ];
    }

    public static byte[] EncodeToArray(IUpdateCodec codec, ReadOnlySpan<float> update, ParameterLayout layout)
    {
        byte[] buffer = new byte[codec.MaxEncodedSize(layout)];
        int written = codec.Encode(update, layout, buffer);
        return buffer[..written];
    }

    private static double Gaussian(Random rng)
    {
        // Box–Muller; 1 − U keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
