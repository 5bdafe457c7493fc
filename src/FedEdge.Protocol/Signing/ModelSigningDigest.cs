using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Protocol.Signing;

/// <summary>
/// The 32-byte digest a <see cref="GlobalModel"/> signature covers, computed from the fields
/// explicitly rather than from the serialized message.
/// </summary>
/// <remarks>
/// <para>Why not sign the protobuf bytes: protobuf serialization is not canonical — field order,
/// packed or unpacked repeated fields, explicit defaults and preserved unknown fields may all differ
/// between implementations and versions, so a verifier that re-serializes could compute other bytes
/// than the signer did. A digest defined field by field is the same in any implementation.</para>
/// <para>Definition (all integers little-endian; lp(x) = u32 byte length of x, then x; strings UTF-8):</para>
/// <code>
/// D = SHA-256(
///       lp("fededge.v1.GlobalModel/signature-1")          domain separation: no other FedEdge
///                                                          signature or message can collide
///     || u32 protocol_major || u64 version
///     || lp(fleet) || lp(architecture) || lp(architecture_hash)
///     || u32 parameters_encoding
///     || u64 len(parameters) || SHA-256(parameters)
///     || u32 n_subsets
///     || for each subset in order: lp(memory_class) || lp(subset_id)
///                                  || u32 n_deltas || SHA-256(index_deltas as u32 LE)
///     || i64 created_at_unix_ms
///     || lp(key_id))
/// </code>
/// <para>Everything a device acts on is covered; the length prefixes make the concatenation
/// unambiguous (no field can absorb bytes of its neighbour). Unknown fields are NOT covered, so no
/// code may act on them; a later version that needs a new signed field changes the domain tag.
/// The signature is ECDSA P-256 over D (FIPS 186-5), in IEEE P1363 form r || s (64 bytes).</para>
/// </remarks>
public static class ModelSigningDigest
{
    /// <summary>The domain-separation tag at the start of the signed byte string.</summary>
    public const string DomainTag = "fededge.v1.GlobalModel/signature-1";

    /// <summary>Length of the digest.</summary>
    public const int Size = SHA256.HashSizeInBytes;

    private const int DeltaChunk = 256;

    /// <summary>Computes the digest of <paramref name="model"/> into <paramref name="destination"/> (32 bytes).</summary>
    public static void Compute(GlobalModel model, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Size);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> scratch = stackalloc byte[Size];

        AppendPrefixed(hash, Encoding.ASCII.GetBytes(DomainTag));
        AppendUInt32(hash, model.ProtocolMajor);
        AppendUInt64(hash, model.Version);
        AppendPrefixed(hash, model.Fleet);
        AppendPrefixed(hash, model.Architecture);
        AppendPrefixed(hash, model.ArchitectureHash.Span);
        AppendUInt32(hash, (uint)model.ParametersEncoding);
        AppendUInt64(hash, (ulong)model.Parameters.Length);
        SHA256.HashData(model.Parameters.Span, scratch);
        hash.AppendData(scratch);

        AppendUInt32(hash, (uint)model.Subsets.Count);
        foreach (SubsetAssignment subset in model.Subsets)
        {
            AppendPrefixed(hash, subset.MemoryClass);
            AppendPrefixed(hash, subset.SubsetId.Span);
            AppendUInt32(hash, (uint)subset.IndexDeltas.Count);
            HashDeltas(subset, scratch);
            hash.AppendData(scratch);
        }

        Span<byte> i64 = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(i64, model.CreatedAtUnixMs);
        hash.AppendData(i64);
        AppendPrefixed(hash, model.KeyId);
        hash.GetHashAndReset(destination);
    }

    /// <summary>The digest of <paramref name="model"/> as a new array.</summary>
    public static byte[] Compute(GlobalModel model)
    {
        byte[] digest = new byte[Size];
        Compute(model, digest);
        return digest;
    }

    private static void HashDeltas(SubsetAssignment subset, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> chunk = stackalloc byte[4 * DeltaChunk];
        int filled = 0;
        foreach (uint delta in subset.IndexDeltas)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(chunk[(4 * filled)..], delta);
            if (++filled == DeltaChunk)
            {
                hash.AppendData(chunk);
                filled = 0;
            }
        }

        hash.AppendData(chunk[..(4 * filled)]);
        hash.GetHashAndReset(destination);
    }

    private static void AppendPrefixed(IncrementalHash hash, string value) => AppendPrefixed(hash, Encoding.UTF8.GetBytes(value));

    private static void AppendPrefixed(IncrementalHash hash, ReadOnlySpan<byte> value)
    {
        AppendUInt32(hash, (uint)value.Length);
        hash.AppendData(value);
    }

    private static void AppendUInt32(IncrementalHash hash, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        hash.AppendData(bytes);
    }

    private static void AppendUInt64(IncrementalHash hash, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        hash.AppendData(bytes);
    }
}
