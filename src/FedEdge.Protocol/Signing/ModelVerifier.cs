using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Protocol.Wire;

namespace FedEdge.Protocol.Signing;

/// <summary>
/// Decides on the device whether a received <see cref="GlobalModel"/> may replace the current one:
/// signed by a pinned key (<see cref="ModelSigningDigest"/>), for this fleet and architecture, and
/// strictly newer than the last accepted version, so a replayed or rolled-back model — even a
/// genuinely signed old one — is refused. Thread-safe.
/// </summary>
/// <remarks>
/// Checks run authenticity first, so every rejection for fleet, architecture or version concerns a
/// model the aggregator really signed (worth an operator's attention), while forgeries stop at
/// <see cref="ModelRejection.BadSignature"/> or <see cref="ModelRejection.UnknownKey"/>.
/// The last accepted version lives here in memory; the agent persists it and passes it back in at
/// start, or a reboot would re-open the rollback window.
/// </remarks>
public sealed class ModelVerifier : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys = new(StringComparer.Ordinal);
    private readonly string? _expectedFleet;
    private readonly byte[]? _expectedArchitectureHash;
    private readonly Lock _gate = new();
    private ulong _lastAcceptedVersion;
    private bool _disposed;

    /// <summary>Creates a verifier.</summary>
    /// <param name="pinnedKeys">Every key a model may be signed with (more than one during a key rotation).</param>
    /// <param name="expectedFleet">The device's fleet, or null to accept any.</param>
    /// <param name="expectedArchitectureHash">The architecture hash of the model the device runs, or null to accept any.</param>
    /// <param name="lastAcceptedVersion">The version of the model currently installed (0 = none).</param>
    /// <exception cref="ArgumentException">No keys, or the same key twice.</exception>
    public ModelVerifier(
        IEnumerable<PinnedModelKey> pinnedKeys,
        string? expectedFleet = null,
        ReadOnlySpan<byte> expectedArchitectureHash = default,
        ulong lastAcceptedVersion = 0)
    {
        ArgumentNullException.ThrowIfNull(pinnedKeys);
        foreach (PinnedModelKey pinned in pinnedKeys)
        {
            ArgumentNullException.ThrowIfNull(pinned, nameof(pinnedKeys));
            if (_keys.ContainsKey(pinned.KeyId))
            {
                Dispose();
                throw new ArgumentException($"Key {pinned.KeyId} is pinned twice.", nameof(pinnedKeys));
            }

            _keys.Add(pinned.KeyId, pinned.CreateVerificationKey());
        }

        if (_keys.Count == 0)
        {
            throw new ArgumentException("At least one model key must be pinned.", nameof(pinnedKeys));
        }

        _expectedFleet = expectedFleet;
        _expectedArchitectureHash = expectedArchitectureHash.IsEmpty ? null : expectedArchitectureHash.ToArray();
        _lastAcceptedVersion = lastAcceptedVersion;
    }

    /// <summary>The version of the last accepted model.</summary>
    public ulong LastAcceptedVersion
    {
        get
        {
            lock (_gate)
            {
                return _lastAcceptedVersion;
            }
        }
    }

    /// <summary>The pinned key ids.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>Checks <paramref name="model"/> without changing state.</summary>
    public ModelVerification Verify(GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_gate)
        {
            return Check(model);
        }
    }

    /// <summary>
    /// Checks <paramref name="model"/> and, when it passes, records its version as the last accepted
    /// one, atomically — so of two concurrent deliveries of the same model only one is accepted.
    /// </summary>
    public ModelVerification TryAccept(GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_gate)
        {
            ModelVerification result = Check(model);
            if (result.Succeeded)
            {
                _lastAcceptedVersion = model.Version;
            }

            return result;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        foreach (ECDsa key in _keys.Values)
        {
            key.Dispose();
        }

        _keys.Clear();
    }

    private ModelVerification Check(GlobalModel model)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (model.ProtocolMajor != ProtocolVersion.Major)
        {
            return ModelVerification.Reject(
                ModelRejection.UnsupportedVersion,
                string.Create(CultureInfo.InvariantCulture, $"protocol major version {model.ProtocolMajor} is not supported (this build speaks {ProtocolVersion.Major})"));
        }

        if (model.Signature.IsEmpty || model.KeyId.Length == 0)
        {
            return ModelVerification.Reject(ModelRejection.NotSigned, Describe(model, "is not signed"));
        }

        if (!_keys.TryGetValue(model.KeyId, out ECDsa? key))
        {
            string what = WireIdentifier.IsValid(model.KeyId) ? $"key {model.KeyId}" : "a malformed key id";
            return ModelVerification.Reject(ModelRejection.UnknownKey, Describe(model, $"is signed with {what}, which is not pinned (pinned: {string.Join(", ", _keys.Keys)})"));
        }

        Span<byte> digest = stackalloc byte[ModelSigningDigest.Size];
        ModelSigningDigest.Compute(model, digest);
        if (model.Signature.Length != ModelSigner.SignatureSize
            || !key.VerifyHash(digest, model.Signature.Span, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return ModelVerification.Reject(ModelRejection.BadSignature, Describe(model, $"has a signature that does not verify under key {model.KeyId}"));
        }

        if (_expectedFleet is not null && !string.Equals(model.Fleet, _expectedFleet, StringComparison.Ordinal))
        {
            return ModelVerification.Reject(ModelRejection.FleetMismatch, Describe(model, $"is for another fleet than {_expectedFleet}"));
        }

        if (_expectedArchitectureHash is not null && !model.ArchitectureHash.Span.SequenceEqual(_expectedArchitectureHash))
        {
            return ModelVerification.Reject(ModelRejection.ArchitectureMismatch, Describe(model, "has another architecture hash than the model this device runs"));
        }

        if (model.Version <= _lastAcceptedVersion)
        {
            return ModelVerification.Reject(
                ModelRejection.Rollback,
                Describe(model, string.Create(CultureInfo.InvariantCulture, $"is not newer than the accepted version {_lastAcceptedVersion} (rollback or replay)")));
        }

        return ModelVerification.Accepted;
    }

    private static string Describe(GlobalModel model, string problem) =>
        string.Create(CultureInfo.InvariantCulture, $"global model version {model.Version} {problem}");
}
