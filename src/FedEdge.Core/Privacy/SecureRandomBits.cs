using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FedEdge.Core.Privacy;

/// <summary>
/// Buffered bits from a <see cref="RandomNumberGenerator"/>: one <c>GetBytes</c> call per 4 KiB instead of
/// one per draw, no allocation after construction. Not thread-safe; does not own the generator.
/// </summary>
public sealed class SecureRandomBits
{
    private const int BufferBytes = 4096;
    private const double TwoToMinus53 = 1.0 / (1UL << 53);

    private readonly RandomNumberGenerator _rng;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _position = BufferBytes;

    public SecureRandomBits(RandomNumberGenerator rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        _rng = rng;
    }

    /// <summary>Fills <paramref name="destination"/> straight from the generator (bulk paths bypass the buffer).</summary>
    public void Fill(Span<byte> destination) => _rng.GetBytes(destination);

    public ulong NextUInt64()
    {
        if (_position > BufferBytes - sizeof(ulong))
        {
            _rng.GetBytes(_buffer);
            _position = 0;
        }

        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_buffer.AsSpan(_position));
        _position += sizeof(ulong);
        return value;
    }

    /// <summary>A uniform double on the 2⁻⁵³ grid of [0, 1): P(U &lt; p) = ⌈p·2⁵³⌉/2⁵³, within 2⁻⁵³ of p.</summary>
    public double NextUnitInterval() => (NextUInt64() >> 11) * TwoToMinus53;

    /// <summary>Bernoulli(p) for p in [0, 1].</summary>
    public bool NextBernoulli(double p) => NextUnitInterval() < p;

    /// <summary>Uniform on {0, …, n − 1} without modulo bias (rejection of the top partial block).</summary>
    public ulong NextBelow(ulong n)
    {
        if (n == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "The range must be non-empty.");
        }

        // Accept x < limit, where limit is the largest multiple of n that fits in 2⁶⁴; rejects < 50%.
        ulong limit = ulong.MaxValue - (((ulong.MaxValue % n) + 1) % n);
        while (true)
        {
            ulong x = NextUInt64();
            if (x <= limit)
            {
                return x % n;
            }
        }
    }
}
