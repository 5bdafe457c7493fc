using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FedEdge.Protocol.SecureAggregation;

/// <summary>
/// Derives the 32-byte secret two devices share in one round: HKDF-SHA256 (RFC 5869) over the raw P-256 ECDH shared
/// secret (the x-coordinate, SEC 1 §3.3.1), with a fixed salt and an info string that binds the protocol version, the
/// purpose, the fleet, the round id and both device ids (Bonawitz et al. 2017, §4: s_{u,v} = KA.agree(s_u^SK, s_v^PK)
/// expanded by a PRG seed derivation; the label makes a seed of one round or one pair useless in any other, and lets
/// the AES-CTR mask generator run from counter 0 under each seed). The two ids are ordered (ordinal), so both ends
/// build the same info; every field is length-prefixed, so no two contexts share an encoding.
/// </summary>
public static class PairwiseSeedDerivation
{
    /// <summary>Seed length in bytes (an AES-256 key).</summary>
    public const int SeedBytes = 32;

    /// <summary>Longest fleet or device id accepted in a label (the wire's identifier rule is shorter).</summary>
    public const int MaxIdentifierBytes = 128;

    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("FedEdge secure aggregation v1");

    /// <summary>
    /// seed ← HKDF-SHA256(ECDH(own, peer), salt, info(purpose, fleet, round, own id, peer id)). Returns false, leaving the
    /// seed zeroed, when <paramref name="peerPublicKey"/> is not an uncompressed P-256 point on the curve (input from the
    /// network: a typed refusal, not an exception).
    /// </summary>
    public static bool TryDerive(
        SecAggKeyPair own,
        ReadOnlySpan<byte> peerPublicKey,
        SeedPurpose purpose,
        string fleet,
        long roundId,
        string ownDeviceId,
        string peerDeviceId,
        Span<byte> seed)
    {
        ArgumentNullException.ThrowIfNull(own);
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"A seed is {SeedBytes} bytes; got {seed.Length}.", nameof(seed));
        }

        if (string.Equals(ownDeviceId, peerDeviceId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A device has no pairwise seed with itself ({ownDeviceId}).", nameof(peerDeviceId));
        }

        seed.Clear();
        if (!TryImportPeer(peerPublicKey, out ECDiffieHellman? peer))
        {
            return false;
        }

        using (peer)
        using (ECDiffieHellmanPublicKey peerKey = peer.PublicKey) // a new handle per call: disposed here, not left to the finalizer
        {
            byte[] shared = own.Key.DeriveRawSecretAgreement(peerKey);
            try
            {
                byte[] info = Info(purpose, fleet, roundId, ownDeviceId, peerDeviceId);
                HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, seed, Salt, info);
                return true;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(shared);
            }
        }
    }

    /// <summary>
    /// True when <paramref name="publicKey"/> is an uncompressed P-256 point on the curve — what the aggregator checks of a
    /// join before it puts the key in a roster, so one bad key cannot make every neighbour refuse the group later.
    /// </summary>
    public static bool IsValidPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (!TryImportPeer(publicKey, out ECDiffieHellman? key))
        {
            return false;
        }

        key.Dispose();
        return true;
    }

    /// <summary>The HKDF info: "secagg" ‖ purpose ‖ fleet ‖ round ‖ min(id) ‖ max(id), strings as u16-length-prefixed UTF-8.</summary>
    internal static byte[] Info(SeedPurpose purpose, string fleet, long roundId, string firstId, string secondId)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(firstId);
        ArgumentNullException.ThrowIfNull(secondId);
        (string low, string high) = string.CompareOrdinal(firstId, secondId) < 0 ? (firstId, secondId) : (secondId, firstId);
        using var stream = new MemoryStream();
        Write(stream, "secagg");
        stream.WriteByte((byte)purpose);
        Write(stream, fleet);
        Span<byte> round = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(round, roundId);
        stream.Write(round);
        Write(stream, low);
        Write(stream, high);
        return stream.ToArray();
    }

    private static void Write(MemoryStream stream, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > MaxIdentifierBytes)
        {
            throw new ArgumentException($"Identifier of {bytes.Length} bytes exceeds {MaxIdentifierBytes}.", nameof(value));
        }

        Span<byte> length = stackalloc byte[sizeof(ushort)];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }

    private static bool TryImportPeer(ReadOnlySpan<byte> encoded, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ECDiffieHellman? peer)
    {
        peer = null;
        if (encoded.Length != SecAggKeyPair.PublicKeyBytes || encoded[0] != 0x04)
        {
            return false;
        }

        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = encoded.Slice(1, 32).ToArray(), Y = encoded.Slice(33, 32).ToArray() },
        };
        try
        {
            peer = ECDiffieHellman.Create(parameters); // OpenSSL checks the point is on the curve
            return true;
        }
        catch (CryptographicException)
        {
            return false; // not on the curve: refuse, derive nothing
        }
    }
}
