namespace FedEdge.Core.SecretSharing;

/// <summary>The outcome of <see cref="ShamirSecretSharing.Reconstruct"/>: the secret, or why nothing was released.</summary>
public sealed class ShamirReconstruction
{
    private readonly byte[]? _secret;

    private ShamirReconstruction(byte[]? secret, ShareRejection rejection, string detail)
    {
        _secret = secret;
        Rejection = rejection;
        Detail = detail;
    }

    /// <summary><see cref="ShareRejection.None"/> when the secret was reconstructed.</summary>
    public ShareRejection Rejection { get; }

    /// <summary>A message naming the offending share, or empty on success.</summary>
    public string Detail { get; }

    /// <summary>True when <see cref="Secret"/> holds the reconstructed secret.</summary>
    public bool Succeeded => Rejection == ShareRejection.None;

    /// <summary>The secret; throws when the reconstruction was refused, so a refused result cannot be used by mistake.</summary>
    /// <exception cref="InvalidOperationException">The reconstruction was refused.</exception>
    public ReadOnlySpan<byte> Secret => _secret ?? throw new InvalidOperationException($"No secret: the shares were refused ({Rejection}: {Detail}).");

    internal static ShamirReconstruction Success(byte[] secret) => new(secret, ShareRejection.None, string.Empty);

    internal static ShamirReconstruction Refused(ShareRejection rejection, string detail) => new(null, rejection, detail);
}
