using System.Numerics;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.Tests.SecureAggregation;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.DistributedDp;

public class RandomizedHadamardTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    [InlineData(64)]
    public void The_fast_transform_equals_multiplication_by_the_Sylvester_Hadamard_matrix(int length)
    {
        // Reference: H_ij = (−1)^popcount(i AND j) (Sylvester's construction), an O(D²) product. 1e-12 absolute.
        var random = new Random(length);
        double[] x = [.. Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5)];
        var expected = new double[length];
        for (int i = 0; i < length; i++)
        {
            for (int j = 0; j < length; j++)
            {
                expected[i] += (BitOperations.PopCount((uint)(i & j)) % 2 == 0 ? 1 : -1) * x[j];
            }
        }

        RandomizedHadamard.WalshHadamard(x);
        for (int i = 0; i < length; i++)
        {
            Assert.Equal(expected[i], x[i], 1e-12);
        }
    }

    [Property(MaxTest = 50)]
    public bool The_rotation_keeps_the_norm_and_its_inverse_restores_the_vector(int seed, ushort rawDimension)
    {
        // Orthogonality of U = H·diag(ε)/√D; float32 input, double work: 1e-5 relative.
        int d = 1 + (rawDimension % 3000);
        var random = new Random(seed);
        float[] x = [.. Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() - 0.5))];
        using var rotation = new RandomizedHadamard(d);
        var rotated = new double[rotation.PaddedDimension];
        rotation.Rotate(x, PublicSeeds.From(seed), 1.0, rotated);
        double normIn = Math.Sqrt(x.Sum(v => (double)v * v));
        double normOut = Math.Sqrt(rotated.Sum(v => v * v));
        var back = new float[d];
        rotation.InverseRotate(rotated, PublicSeeds.From(seed), 1.0, back);
        return Math.Abs(normIn - normOut) <= 1e-9 * Math.Max(1, normIn)
            && x.Zip(back).All(p => Math.Abs(p.First - p.Second) <= 1e-5 * Math.Max(1.0, Math.Abs(p.First)));
    }

    [Fact]
    public void The_rotation_flattens_a_spike_to_coordinates_of_magnitude_one_over_root_D()
    {
        // A unit spike becomes ±1/√D in every coordinate: the flatness the modular clipping relies on (KLS21 §4.2).
        using var rotation = new RandomizedHadamard(1000);
        var spike = new float[1000];
        spike[17] = 1f;
        var rotated = new double[1024];
        rotation.Rotate(spike, PublicSeeds.From(1), 1.0, rotated);
        Assert.All(rotated, v => Assert.Equal(1.0 / 32.0, Math.Abs(v), 1e-12));
    }

    [Fact]
    public void Different_public_seeds_give_different_sign_diagonals_and_equal_seeds_the_same()
    {
        using var rotation = new RandomizedHadamard(64);
        float[] x = [.. Enumerable.Range(0, 64).Select(i => (float)i)];
        var a = new double[64];
        var b = new double[64];
        var c = new double[64];
        rotation.Rotate(x, PublicSeeds.From(1), 1.0, a);
        rotation.Rotate(x, PublicSeeds.From(1), 1.0, b);
        rotation.Rotate(x, PublicSeeds.From(2), 1.0, c);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }
}
