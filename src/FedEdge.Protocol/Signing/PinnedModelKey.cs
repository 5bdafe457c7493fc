using System.Security.Cryptography;

namespace FedEdge.Protocol.Signing;

/// <summary>
/// A model-signing public key a device trusts: ECDSA P-256 as SubjectPublicKeyInfo (RFC 5280
/// §4.1.2.7), and its key id. Immutable; holds bytes, not a live key, so it needs no disposal.
/// </summary>
public sealed class PinnedModelKey
{
    private const string NistP256Oid = "1.2.840.10045.3.1.7";
    private readonly byte[] _subjectPublicKeyInfo;

    private PinnedModelKey(byte[] subjectPublicKeyInfo, string keyId)
    {
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
        KeyId = keyId;
    }

    /// <summary>"p256-" and the first 8 bytes of SHA-256(SubjectPublicKeyInfo) in lowercase hex.</summary>
    /// <remarks>Derived from the key, so a key id can never name a different key than the one pinned.</remarks>
    public string KeyId { get; }

    /// <summary>The DER SubjectPublicKeyInfo.</summary>
    public ReadOnlySpan<byte> SubjectPublicKeyInfo => _subjectPublicKeyInfo;

    /// <summary>Pins a key given as a PEM "PUBLIC KEY" block.</summary>
    /// <exception cref="ArgumentException">Not a single PEM public key, or not a P-256 ECDSA key.</exception>
    public static PinnedModelKey FromPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        if (!PemEncoding.TryFind(pem, out PemFields fields) || !pem.AsSpan()[fields.Label].SequenceEqual("PUBLIC KEY"))
        {
            throw new ArgumentException("A pinned model key must be a PEM block labelled PUBLIC KEY (a private key never belongs on a device).", nameof(pem));
        }

        byte[] der;
        try
        {
            der = Convert.FromBase64String(pem[fields.Base64Data]);
        }
        catch (FormatException e)
        {
            throw new ArgumentException("The PEM block's base64 body does not decode.", nameof(pem), e);
        }

        return FromSubjectPublicKeyInfo(der);
    }

    /// <summary>Pins a key given as DER SubjectPublicKeyInfo.</summary>
    /// <exception cref="ArgumentException">Not a P-256 ECDSA public key.</exception>
    public static PinnedModelKey FromSubjectPublicKeyInfo(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        using ECDsa key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out int read);
            if (read != subjectPublicKeyInfo.Length)
            {
                throw new ArgumentException("Trailing bytes after the SubjectPublicKeyInfo.", nameof(subjectPublicKeyInfo));
            }
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("Not an ECDSA SubjectPublicKeyInfo.", nameof(subjectPublicKeyInfo), e);
        }

        return FromKey(key);
    }

    /// <summary>Pins the public half of <paramref name="key"/> (borrowed, not disposed).</summary>
    /// <exception cref="ArgumentException">Not a P-256 key.</exception>
    public static PinnedModelKey FromKey(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != NistP256Oid)
        {
            throw new ArgumentException($"Model keys must be on NIST P-256 (OID {NistP256Oid}), got {parameters.Curve.Oid?.FriendlyName ?? "an explicit curve"}.", nameof(key));
        }

        byte[] spki = key.ExportSubjectPublicKeyInfo();
        return new PinnedModelKey(spki, KeyIdOf(spki));
    }

    /// <summary>The key id of a DER SubjectPublicKeyInfo.</summary>
    public static string KeyIdOf(ReadOnlySpan<byte> subjectPublicKeyInfo)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(subjectPublicKeyInfo, hash);
        return "p256-" + Convert.ToHexStringLower(hash[..8]);
    }

    /// <summary>A new live public key for verification; the caller disposes it.</summary>
    internal ECDsa CreateVerificationKey()
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);
        return key;
    }
}
