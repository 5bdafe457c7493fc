using System.Security.Cryptography;

namespace FedEdge.Protocol.SecureAggregation;

/// <summary>
/// A device's per-round ECDH key pair on NIST P-256 (BCL <see cref="ECDiffieHellman"/>, OpenSSL on Linux) for secure
/// aggregation. Bonawitz et al. 2017 (§4, round 0 "AdvertiseKeys") give every device two pairs per round: c_u for the
/// channel that carries Shamir shares between devices through the aggregator, and s_u for the pairwise mask seeds. Only
/// the mask key s_u^SK is Shamir-shared (<see cref="ExportPrivateScalar"/>), because the aggregator reconstructs it for
/// a device that drops; were the two pairs one, that reconstruction would also open the dropped device's share channel.
/// </summary>
/// <remarks>
/// Why P-256 from the BCL rather than X25519 from NSec/libsodium: no native package beside the agent (OpenSSL is already
/// what .NET uses for TLS on Linux, so every runtime identifier the agent ships for has it), no extra trimming surface,
/// and the import of a peer's point is validated by OpenSSL (a point off the curve is refused, see
/// <see cref="PairwiseSeedDerivation"/>). The costs are a 65-byte public key instead of 32 and a slower scalar
/// multiplication, both negligible beside a model update; k key agreements per device per round.
/// </remarks>
public sealed class SecAggKeyPair : IDisposable
{
    /// <summary>Bytes of an encoded public key: 0x04 ‖ X ‖ Y (SEC 1 §2.3.3, uncompressed).</summary>
    public const int PublicKeyBytes = 65;

    /// <summary>Bytes of the private scalar d.</summary>
    public const int PrivateScalarBytes = 32;

    private readonly ECDiffieHellman _key;

    private SecAggKeyPair(ECDiffieHellman key)
    {
        _key = key;
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        var encoded = new byte[PublicKeyBytes];
        encoded[0] = 0x04;
        parameters.Q.X.CopyTo(encoded.AsSpan(1));
        parameters.Q.Y.CopyTo(encoded.AsSpan(1 + 32));
        PublicKey = encoded;
    }

    /// <summary>The public key to advertise, SEC 1 uncompressed.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; }

    internal ECDiffieHellman Key => _key;

    /// <summary>A fresh pair from the operating system's generator (OpenSSL's DRBG; key generation cannot be handed an RNG).</summary>
    public static SecAggKeyPair Generate() => new(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>
    /// The pair whose private scalar is <paramref name="privateScalar"/> — what the aggregator rebuilds from t Shamir shares of a
    /// dropped device's mask key; the public point is recomputed as d·G.
    /// </summary>
    /// <exception cref="CryptographicException">d is not a valid P-256 scalar.</exception>
    public static SecAggKeyPair FromPrivateScalar(ReadOnlySpan<byte> privateScalar)
    {
        if (privateScalar.Length != PrivateScalarBytes)
        {
            throw new ArgumentException($"A P-256 private scalar is {PrivateScalarBytes} bytes; got {privateScalar.Length}.", nameof(privateScalar));
        }

        var parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = privateScalar.ToArray() };
        try
        {
            return new SecAggKeyPair(ECDiffieHellman.Create(parameters));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    /// <summary>d, big-endian, for Shamir sharing of the mask key among the device's neighbours. The caller zeroes it after use.</summary>
    public byte[] ExportPrivateScalar()
    {
        ECParameters parameters = _key.ExportParameters(includePrivateParameters: true);
        return parameters.D ?? throw new CryptographicException("The key pair holds no private scalar.");
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
