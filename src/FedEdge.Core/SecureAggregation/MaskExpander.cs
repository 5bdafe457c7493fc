using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FedEdge.Core.SecureAggregation;

/// <summary>
/// The seeded pseudo-random generator of secure aggregation (Bonawitz et al. 2017, §4, "PRG"): AES-256 in counter
/// mode (NIST SP 800-38A §6.5) keyed by a 32-byte seed, counter blocks 0, 1, 2, … as 128-bit big-endian integers, the
/// keystream read as little-endian 16-bit words. A mask for a b-bit vector (b ≤ 16) is those words mod 2^b: uniform,
/// because 2^b divides 2¹⁶. Every seed is used for one round only (derived with the round id, or drawn fresh), so the
/// all-zero nonce never repeats under one key.
/// </summary>
/// <remarks>
/// Why AES-CTR and not ChaCha20: it is in the BCL on every runtime .NET supports (no native package next to the
/// agent), ECB over counter blocks is one allocation-free <see cref="SymmetricAlgorithm.EncryptEcb(ReadOnlySpan{byte}, Span{byte}, PaddingMode)"/>
/// call per 4 KiB, and the volume is small: k neighbours × 2 bytes × d coordinates per update (≈ 100 KB for
/// k = 10, d = 4,837). ChaCha20 would be faster on the Pi 3/4 cores, which lack the ARMv8 AES instructions, but
/// the BCL exposes it only inside ChaCha20-Poly1305. The generator state is a key and a counter: not thread-safe,
/// one instance per thread. Nothing is allocated per coordinate; the BCL's key schedule allocates ≈ 130–330 B per seed
/// (measured), i.e. O(k) per masked update.
/// </remarks>
public sealed class MaskExpander : IDisposable
{
    /// <summary>Seed (AES-256 key) length in bytes.</summary>
    public const int SeedBytes = 32;

    private const int BlockBytes = 16;
    private const int ChunkBlocks = 256;
    private const int ChunkBytes = ChunkBlocks * BlockBytes;

    private readonly Aes _aes = Aes.Create();
    private readonly byte[] _counters = new byte[ChunkBytes];
    private readonly byte[] _keystream = new byte[ChunkBytes];

    /// <summary>destination ← the first destination.Length bytes of AES-256-CTR(seed) from counter 0.</summary>
    /// <exception cref="ArgumentException">The seed is not <see cref="SeedBytes"/> long.</exception>
    public void Keystream(ReadOnlySpan<byte> seed, Span<byte> destination) => Keystream(seed, UInt128.Zero, destination);

    /// <summary>values[i] ← values[i] ± mask[i] (mod 2¹⁶) with mask = the keystream of <paramref name="seed"/> as 16-bit words.</summary>
    /// <remarks>Reduce mod 2^b once at the end: 2^b divides 2¹⁶, so wrapping at 16 bits commutes with it.</remarks>
    public void AddMask(ReadOnlySpan<byte> seed, Span<ushort> values, bool subtract)
    {
        SetKey(seed);
        UInt128 counter = UInt128.Zero;
        const int WordsPerChunk = ChunkBytes / sizeof(ushort);
        for (int start = 0; start < values.Length; start += WordsPerChunk)
        {
            int words = Math.Min(WordsPerChunk, values.Length - start);
            int blocks = ((words * sizeof(ushort)) + BlockBytes - 1) / BlockBytes;
            EncryptCounters(ref counter, blocks);
            Span<ushort> mask = MemoryMarshal.Cast<byte, ushort>(_keystream.AsSpan(0, blocks * BlockBytes))[..words];
            if (!BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.ReverseEndianness(mask, mask);
            }

            Span<ushort> target = values.Slice(start, words);
            if (subtract)
            {
                TensorPrimitives.Subtract(target, mask, target);
            }
            else
            {
                TensorPrimitives.Add(target, mask, target);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_keystream);
        _aes.Dispose();
    }

    /// <summary>The keystream from an arbitrary initial counter block (the NIST SP 800-38A F.5.5 vectors start at f0f1…ff).</summary>
    internal void Keystream(ReadOnlySpan<byte> seed, UInt128 initialCounter, Span<byte> destination)
    {
        SetKey(seed);
        UInt128 counter = initialCounter;
        for (int start = 0; start < destination.Length; start += ChunkBytes)
        {
            int bytes = Math.Min(ChunkBytes, destination.Length - start);
            EncryptCounters(ref counter, (bytes + BlockBytes - 1) / BlockBytes);
            _keystream.AsSpan(0, bytes).CopyTo(destination.Slice(start, bytes));
        }
    }

    private void SetKey(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"A mask seed is {SeedBytes} bytes; got {seed.Length}.", nameof(seed));
        }

        _aes.SetKey(seed);
    }

    // Keystream block i = AES_K(counter + i); the counter wraps at 2¹²⁸ (SP 800-38A's standard incrementing function).
    private void EncryptCounters(ref UInt128 counter, int blocks)
    {
        Span<byte> counters = _counters.AsSpan(0, blocks * BlockBytes);
        for (int i = 0; i < blocks; i++)
        {
            BinaryPrimitives.WriteUInt128BigEndian(counters.Slice(i * BlockBytes, BlockBytes), counter);
            counter++;
        }

        _aes.EncryptEcb(counters, _keystream.AsSpan(0, blocks * BlockBytes), PaddingMode.None);
    }
}
