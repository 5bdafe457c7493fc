using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FedEdge.Core.SecretSharing;

namespace FedEdge.Protocol.SecureAggregation;

/// <summary>
/// The end-to-end channel that carries device u's Shamir shares for neighbour v through the aggregator (Bonawitz et al.
/// 2017, §4 round 1: "encrypted using the shared key derived from c_u^SK and c_v^PK"): AES-256-GCM under
/// HKDF(ECDH(c_u, c_v), <see cref="SeedPurpose.ShareChannel"/>, fleet, group, u, v), a fresh random 96-bit nonce per
/// message, and associated data binding the group id, the sender and the recipient — so the aggregator can neither read
/// a share, nor alter it, nor hand it to another device or another group undetected.
/// </summary>
/// <remarks>
/// Plaintext (<see cref="PlaintextBytes"/>): share index x (u16, big-endian) ‖ the 5 limbs of the share of b_u ‖ the
/// 5 limbs of the share of s_u^SK (u64, little-endian). Both secrets are 32 bytes and are shared at the same abscissa x =
/// the recipient's position in the sender's neighbour list + 1. Wire form (<see cref="SealedBytes"/>):
/// nonce (12) ‖ ciphertext (82) ‖ tag (16).
/// </remarks>
public static class ShareChannel
{
    /// <summary>Bytes of each shared secret: the self-mask seed b_u and the P-256 scalar s_u^SK.</summary>
    public const int SecretBytes = 32;

    /// <summary>GCM nonce.</summary>
    public const int NonceBytes = 12;

    /// <summary>GCM tag.</summary>
    public const int TagBytes = 16;

    /// <summary>Limbs of one 32-byte secret's share.</summary>
    public const int Limbs = (SecretBytes + ShamirSecretSharing.LimbBytes - 1) / ShamirSecretSharing.LimbBytes;

    /// <summary>Bytes of the plaintext.</summary>
    public const int PlaintextBytes = sizeof(ushort) + (2 * Limbs * sizeof(ulong));

    /// <summary>Bytes of a sealed share on the wire.</summary>
    public const int SealedBytes = NonceBytes + PlaintextBytes + TagBytes;

    private static readonly byte[] Label = Encoding.ASCII.GetBytes("FedEdge secagg share v1");

    /// <summary>
    /// sealed ← the two shares for <paramref name="recipientId"/>. Returns false (nothing sealed) when the recipient's
    /// channel key is not a P-256 point.
    /// </summary>
    /// <exception cref="ArgumentException">The shares are not of 32-byte secrets, their indices differ, or the buffer is not <see cref="SealedBytes"/>.</exception>
    public static bool TrySeal(
        SecAggKeyPair ownChannelKey,
        ReadOnlySpan<byte> recipientChannelPublicKey,
        string fleet,
        long groupId,
        string senderId,
        string recipientId,
        SecretShare selfMaskShare,
        SecretShare maskKeyShare,
        RandomNumberGenerator rng,
        Span<byte> sealedShare)
    {
        ArgumentNullException.ThrowIfNull(selfMaskShare);
        ArgumentNullException.ThrowIfNull(maskKeyShare);
        ArgumentNullException.ThrowIfNull(rng);
        if (sealedShare.Length != SealedBytes)
        {
            throw new ArgumentException($"A sealed share is {SealedBytes} bytes; got {sealedShare.Length}.", nameof(sealedShare));
        }

        if (selfMaskShare.Values.Length != Limbs || maskKeyShare.Values.Length != Limbs
            || selfMaskShare.Index != maskKeyShare.Index || selfMaskShare.Index < 1 || selfMaskShare.Index > ushort.MaxValue)
        {
            throw new ArgumentException("Both shares must be of 32-byte secrets at one index in [1, 65535].", nameof(maskKeyShare));
        }

        Span<byte> key = stackalloc byte[PairwiseSeedDerivation.SeedBytes];
        Span<byte> plaintext = stackalloc byte[PlaintextBytes];
        try
        {
            if (!PairwiseSeedDerivation.TryDerive(ownChannelKey, recipientChannelPublicKey, SeedPurpose.ShareChannel, fleet, groupId, senderId, recipientId, key))
            {
                return false;
            }

            BinaryPrimitives.WriteUInt16BigEndian(plaintext, (ushort)selfMaskShare.Index);
            WriteLimbs(selfMaskShare.Values, plaintext.Slice(sizeof(ushort), Limbs * sizeof(ulong)));
            WriteLimbs(maskKeyShare.Values, plaintext.Slice(sizeof(ushort) + (Limbs * sizeof(ulong))));
            Span<byte> nonce = sealedShare[..NonceBytes];
            rng.GetBytes(nonce);
            using var gcm = new AesGcm(key, TagBytes);
            gcm.Encrypt(nonce, plaintext, sealedShare.Slice(NonceBytes, PlaintextBytes), sealedShare[^TagBytes..], AssociatedData(groupId, senderId, recipientId));
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Opens a share sealed by <paramref name="senderId"/> for <paramref name="recipientId"/> in group
    /// <paramref name="groupId"/>. False — nothing returned — when the sender's key is not a point, the length is wrong, or
    /// the tag does not verify (altered, replayed from another group, or meant for another device).
    /// </summary>
    public static bool TryOpen(
        SecAggKeyPair ownChannelKey,
        ReadOnlySpan<byte> senderChannelPublicKey,
        string fleet,
        long groupId,
        string senderId,
        string recipientId,
        ReadOnlySpan<byte> sealedShare,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SecretShare? selfMaskShare,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SecretShare? maskKeyShare)
    {
        selfMaskShare = null;
        maskKeyShare = null;
        if (sealedShare.Length != SealedBytes)
        {
            return false;
        }

        Span<byte> key = stackalloc byte[PairwiseSeedDerivation.SeedBytes];
        Span<byte> plaintext = stackalloc byte[PlaintextBytes];
        try
        {
            if (!PairwiseSeedDerivation.TryDerive(ownChannelKey, senderChannelPublicKey, SeedPurpose.ShareChannel, fleet, groupId, recipientId, senderId, key))
            {
                return false;
            }

            using var gcm = new AesGcm(key, TagBytes);
            try
            {
                gcm.Decrypt(
                    sealedShare[..NonceBytes], sealedShare.Slice(NonceBytes, PlaintextBytes), sealedShare[^TagBytes..], plaintext,
                    AssociatedData(groupId, senderId, recipientId));
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }

            int index = BinaryPrimitives.ReadUInt16BigEndian(plaintext);
            Span<ulong> limbs = stackalloc ulong[Limbs];
            ReadLimbs(plaintext.Slice(sizeof(ushort), Limbs * sizeof(ulong)), limbs);
            selfMaskShare = new SecretShare(index, limbs);
            ReadLimbs(plaintext.Slice(sizeof(ushort) + (Limbs * sizeof(ulong))), limbs);
            maskKeyShare = new SecretShare(index, limbs);
            limbs.Clear();
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>label ‖ group id (i64 BE) ‖ sender ‖ recipient, ids u16-length-prefixed UTF-8 (direction matters here).</summary>
    private static byte[] AssociatedData(long groupId, string senderId, string recipientId)
    {
        ArgumentNullException.ThrowIfNull(senderId);
        ArgumentNullException.ThrowIfNull(recipientId);
        byte[] sender = Encoding.UTF8.GetBytes(senderId);
        byte[] recipient = Encoding.UTF8.GetBytes(recipientId);
        var data = new byte[Label.Length + sizeof(long) + (2 * sizeof(ushort)) + sender.Length + recipient.Length];
        Span<byte> span = data;
        Label.CopyTo(span);
        span = span[Label.Length..];
        BinaryPrimitives.WriteInt64BigEndian(span, groupId);
        span = span[sizeof(long)..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)sender.Length);
        sender.CopyTo(span[sizeof(ushort)..]);
        span = span[(sizeof(ushort) + sender.Length)..];
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)recipient.Length);
        recipient.CopyTo(span[sizeof(ushort)..]);
        return data;
    }

    private static void WriteLimbs(ReadOnlySpan<ulong> limbs, Span<byte> destination)
    {
        for (int i = 0; i < limbs.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * sizeof(ulong))..], limbs[i]);
        }
    }

    private static void ReadLimbs(ReadOnlySpan<byte> source, Span<ulong> limbs)
    {
        for (int i = 0; i < limbs.Length; i++)
        {
            limbs[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(i * sizeof(ulong))..]);
        }
    }
}
