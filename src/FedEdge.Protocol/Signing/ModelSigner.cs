using System.Security.Cryptography;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Protocol.Signing;

/// <summary>
/// Signs global models on the aggregator: ECDSA P-256 over <see cref="ModelSigningDigest"/>, IEEE
/// P1363 signature (r || s, 64 bytes). The private key is borrowed; whoever loaded it disposes it.
/// </summary>
public sealed class ModelSigner
{
    /// <summary>Length of a signature: two 32-byte integers.</summary>
    public const int SignatureSize = 64;

    private readonly ECDsa _privateKey;

    /// <summary>Creates a signer over <paramref name="privateKey"/> (P-256, with its private part).</summary>
    /// <exception cref="ArgumentException">Not a P-256 key.</exception>
    public ModelSigner(ECDsa privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        PublicKey = PinnedModelKey.FromKey(privateKey);
        _privateKey = privateKey;
    }

    /// <summary>The public half, as devices pin it.</summary>
    public PinnedModelKey PublicKey { get; }

    /// <summary>The key id written into every signed model.</summary>
    public string KeyId => PublicKey.KeyId;

    /// <summary>Loads a signer from a PEM private key ("EC PRIVATE KEY" or "PRIVATE KEY"); the caller disposes the returned key.</summary>
    /// <exception cref="ArgumentException">The PEM holds no usable P-256 private key.</exception>
    public static ModelSigner FromPem(string privateKeyPem, out ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        key = ECDsa.Create();
        try
        {
            key.ImportFromPem(privateKeyPem);
            return new ModelSigner(key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new ArgumentException("The PEM does not hold a P-256 ECDSA private key.", nameof(privateKeyPem), e);
        }
    }

    /// <summary>
    /// A signed copy of <paramref name="model"/>: <c>key_id</c> set to this key, <c>signature</c>
    /// over the digest. The input is not modified; byte fields are shared, not copied.
    /// </summary>
    public GlobalModel Sign(GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        GlobalModel signed = model.Clone();
        signed.KeyId = KeyId;
        signed.Signature = ByteString.Empty;
        Span<byte> digest = stackalloc byte[ModelSigningDigest.Size];
        ModelSigningDigest.Compute(signed, digest);
        byte[] signature = _privateKey.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        signed.Signature = ByteString.CopyFrom(signature);
        return signed;
    }
}
