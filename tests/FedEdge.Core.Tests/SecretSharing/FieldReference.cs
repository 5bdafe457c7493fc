using System.Numerics;

namespace FedEdge.Core.Tests.SecretSharing;

/// <summary>
/// GF(2⁶¹ − 1) and Lagrange interpolation in <see cref="BigInteger"/>, written independently of the product's
/// 64-bit Mersenne reduction, as the reference for the Shamir tests.
/// </summary>
internal static class FieldReference
{
    public static readonly BigInteger P = (BigInteger.One << 61) - 1;

    public static BigInteger Mod(BigInteger a) => ((a % P) + P) % P;

    public static BigInteger Inverse(BigInteger a) => BigInteger.ModPow(Mod(a), P - 2, P);

    /// <summary>The value at <paramref name="x"/> of the unique polynomial of degree &lt; k through the k points.</summary>
    public static BigInteger Interpolate(IReadOnlyList<(BigInteger X, BigInteger Y)> points, BigInteger x)
    {
        BigInteger sum = 0;
        for (int i = 0; i < points.Count; i++)
        {
            BigInteger term = points[i].Y;
            for (int j = 0; j < points.Count; j++)
            {
                if (j != i)
                {
                    term = Mod(term * (x - points[j].X) * Inverse(points[i].X - points[j].X));
                }
            }

            sum = Mod(sum + term);
        }

        return sum;
    }

    /// <summary>The secret's 7-byte little-endian limbs as integers.</summary>
    public static BigInteger[] Limbs(byte[] secret)
    {
        int count = (secret.Length + 6) / 7;
        var limbs = new BigInteger[count];
        for (int l = 0; l < count; l++)
        {
            int width = Math.Min(7, secret.Length - (7 * l));
            limbs[l] = new BigInteger(secret.AsSpan(7 * l, width), isUnsigned: true, isBigEndian: false);
        }

        return limbs;
    }
}
