using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FedEdge.Simulation.Clock;

/// <summary>
/// A reproducible cryptographic generator for simulations: AES-256 in counter mode keyed by
/// SHA-256 of a seed string (NIST SP 800-90A's CTR_DRBG idea without reseeding). The same seed
/// gives the same DP noise and update ids, so a simulation replays exactly; the output is still
/// indistinguishable from random to anyone without the seed. Never use it on a real device: there
/// the noise must come from the OS generator (the agent uses <see cref="RandomNumberGenerator.Create()"/>).
/// </summary>
public sealed class DeterministicRandomNumberGenerator : RandomNumberGenerator
{
    private const int BlockBytes = 16;
    // 512 bytes of key stream at a time: the stream is the same for any buffer size (block i is AES(key, i)), and a fleet
    // simulation holds three generators per device (5,000 devices × 3 × 2 buffers of 4 KiB were 120 MiB)
    private const int BufferBlocks = 32;
    private readonly Aes _aes;
    private readonly byte[] _counters = new byte[BlockBytes * BufferBlocks];
    private readonly byte[] _stream = new byte[BlockBytes * BufferBlocks];
    private ulong _counter;
    private int _position = BlockBytes * BufferBlocks;

    /// <summary>Creates the generator for <paramref name="seed"/> (e.g. "run 3 / device 17 / noise").</summary>
    public DeterministicRandomNumberGenerator(string seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        _aes = Aes.Create();
        _aes.Key = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
    }

    /// <inheritdoc/>
    public override void GetBytes(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        GetBytes(data.AsSpan());
    }

    /// <inheritdoc/>
    public override void GetBytes(byte[] data, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(data);
        GetBytes(data.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override void GetBytes(Span<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_position == _stream.Length)
            {
                Refill();
            }

            int take = Math.Min(data.Length, _stream.Length - _position);
            _stream.AsSpan(_position, take).CopyTo(data);
            _position += take;
            data = data[take..];
        }
    }

    /// <inheritdoc/>
    public override void GetNonZeroBytes(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        GetNonZeroBytes(data.AsSpan());
    }

    /// <inheritdoc/>
    public override void GetNonZeroBytes(Span<byte> data)
    {
        Span<byte> one = stackalloc byte[1];
        for (int i = 0; i < data.Length; i++)
        {
            do
            {
                GetBytes(one);
            }
            while (one[0] == 0);
            data[i] = one[0];
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Refill()
    {
        for (int block = 0; block < BufferBlocks; block++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_counters.AsSpan(block * BlockBytes), _counter++);
        }

        _aes.EncryptEcb(_counters, _stream, PaddingMode.None);
        _position = 0;
    }
}
