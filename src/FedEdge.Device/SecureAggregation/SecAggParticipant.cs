using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.Privacy;
using FedEdge.Core.SecretSharing;
using FedEdge.Core.SecureAggregation;
using FedEdge.Protocol.SecureAggregation;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Device.SecureAggregation;

/// <summary>
/// One device's side of one secure-aggregation group (Bonawitz et al. 2017, §4; SecAgg+ neighbourhoods, Bell et al.
/// 2020; the encoding of Kairouz, Liu, Steinke 2021). A state machine without I/O: the caller publishes what
/// <see cref="Join"/>, <see cref="Receive(SecAggServerMessage)"/> and <see cref="SubmitUpdate"/> return on the
/// device's secagg topic, hands in what arrives on its inbox, and calls <see cref="Tick"/> now and then.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>Round 0: <see cref="Join"/> — two fresh P-256 pairs (channel c_u, mask s_u) for a model version.</item>
/// <item>Round 1, on the roster: derive the graph, draw the self-mask seed b_u, Shamir-split b_u and s_u^SK t-of-k and
/// seal share j for the j-th neighbour (<see cref="ShareChannel"/>).</item>
/// <item>On the neighbours' sealed shares: open and keep them. Neighbours whose shares did not come are out of the group
/// (no mask with them); fewer than t shares and the group is refused.</item>
/// <item>Round 2, on the update (<see cref="SubmitUpdate"/>, any time after the roster): DDGauss-encode (clip, rotate,
/// round, noise, wrap mod 2^b), mask, pack; sent once the neighbours' shares are in.</item>
/// <item>Round 4, on the unmask request: the share of b_u for each surviving neighbour, of s_u^SK for each dropped one —
/// once per group; a request whose lists are not a partition of the roster, that counts this device as dropped, or
/// that lists fewer than the minimum of survivors is refused (answering it could expose an input).</item>
/// </list>
/// Every refusal leaves the state as it was. Secrets are erased when the group ends (answered, abandoned, expired,
/// disposed). Not thread-safe: one caller drives it.
/// </remarks>
public sealed class SecAggParticipant : IDisposable
{
    private readonly string _fleet;
    private readonly string _deviceId;
    private readonly ulong _modelVersion;
    private readonly SecAggParticipantOptions _options;
    private readonly RandomNumberGenerator _rng;
    private readonly TimeProvider _time;
    private readonly SecAggKeyPair _channelKey;
    private readonly SecAggKeyPair _maskKey;
    private readonly byte[] _selfMaskSeed = new byte[MaskExpander.SeedBytes];
    private readonly Dictionary<int, (SecretShare SelfMask, SecretShare MaskKey)> _held = [];
    private DateTimeOffset _joinedAt;
    private SecAggRosterView? _view;
    private int _ownIndex = -1;
    private ushort[]? _encoded;
    private bool _disposed;

    /// <summary>A participant for <paramref name="modelVersion"/>; its two key pairs are made now.</summary>
    public SecAggParticipant(
        string fleet, string deviceId, ulong modelVersion, SecAggParticipantOptions options, RandomNumberGenerator rng, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(fleet);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentOutOfRangeException.ThrowIfZero(modelVersion);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _fleet = fleet;
        _deviceId = deviceId;
        _modelVersion = modelVersion;
        _options = options;
        _rng = rng;
        _time = time;
        _channelKey = SecAggKeyPair.Generate();
        _maskKey = SecAggKeyPair.Generate();
    }

    /// <summary>Where the device is in the group.</summary>
    public SecAggParticipantState State { get; private set; } = SecAggParticipantState.Created;

    /// <summary>The group id, 0 before the roster.</summary>
    public long GroupId => _view?.GroupId ?? 0;

    /// <summary>The encoding the roster fixed, null before it (the agent needs d to hand in an update).</summary>
    public DistributedDiscreteGaussianParameters? Encoding => _view?.Encoding;

    /// <summary>Why the group ended for this device (refusal, abandonment, deadline); null while it runs or after answering.</summary>
    public string? EndReason { get; private set; }

    /// <summary>True in a final state.</summary>
    public bool IsFinished => State is SecAggParticipantState.Answered or SecAggParticipantState.Abandoned or SecAggParticipantState.Expired;

    /// <summary>Round 0: the join with both public keys. Once.</summary>
    /// <exception cref="InvalidOperationException">Already joined.</exception>
    public SecAggDeviceMessage Join()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (State != SecAggParticipantState.Created)
        {
            throw new InvalidOperationException($"The participant already joined (state {State}).");
        }

        State = SecAggParticipantState.Joined;
        _joinedAt = _time.GetUtcNow();
        return Envelope(m => m.Join = new SecAggJoin
        {
            ModelVersion = _modelVersion,
            ChannelPublicKey = ByteString.CopyFrom(_channelKey.PublicKey.Span),
            MaskPublicKey = ByteString.CopyFrom(_maskKey.PublicKey.Span),
            SamplingRate = _options.SamplingRate,
            SubsetId = ByteString.CopyFrom(_options.SubsetId.Span),
        });
    }

    /// <summary>Parses bytes from the inbox with <paramref name="parser"/>'s bounds, then <see cref="Receive(SecAggServerMessage)"/>.</summary>
    public SecAggParticipantStep Receive(ReadOnlySpan<byte> payload, WireParser parser)
    {
        ArgumentNullException.ThrowIfNull(parser);
        ParseResult<SecAggServerMessage> parsed = parser.ParseSecAggServerMessage(payload);
        return parsed.TryGet(out SecAggServerMessage? message, out string reason) ? Receive(message) : SecAggParticipantStep.Refuse(reason);
    }

    /// <summary>Acts on a message from the aggregator (already through the wire rules).</summary>
    public SecAggParticipantStep Receive(SecAggServerMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Tick();
        if (IsFinished)
        {
            return SecAggParticipantStep.Refuse($"the group is over for this device ({State})");
        }

        if (!string.Equals(message.DeviceId, _deviceId, StringComparison.Ordinal) || !string.Equals(message.Fleet, _fleet, StringComparison.Ordinal))
        {
            return SecAggParticipantStep.Refuse("the message is addressed to another device or fleet");
        }

        return message.BodyCase switch
        {
            SecAggServerMessage.BodyOneofCase.Roster => OnRoster(message.Roster),
            SecAggServerMessage.BodyOneofCase.Shares => OnShares(message.Shares),
            SecAggServerMessage.BodyOneofCase.UnmaskRequest => OnUnmaskRequest(message.UnmaskRequest),
            SecAggServerMessage.BodyOneofCase.Abandoned => OnAbandoned(message.Abandoned),
            _ => SecAggParticipantStep.Refuse("the message has no body"),
        };
    }

    /// <summary>
    /// Round 2: encodes <paramref name="update"/> (d floats, the model delta) with the roster's DDGauss parameters and masks
    /// it. Returns the masked input when the neighbours' shares are already in, else nothing (it goes out with them).
    /// </summary>
    public SecAggParticipantStep SubmitUpdate(ReadOnlySpan<float> update)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Tick();
        if (State is not (SecAggParticipantState.SharesSent or SecAggParticipantState.SharesReceived) || _view is null)
        {
            return SecAggParticipantStep.Refuse($"an update is taken after the roster and before the masked input is sent (state {State})");
        }

        if (_encoded is not null)
        {
            return SecAggParticipantStep.Refuse("the update of this group was already handed in");
        }

        DistributedDiscreteGaussianParameters encoding = _view.Encoding;
        if (update.Length != encoding.Dimension)
        {
            return SecAggParticipantStep.Refuse(string.Create(CultureInfo.InvariantCulture, $"the update has {update.Length} coordinates, the group encodes {encoding.Dimension}"));
        }

        if (_time.GetUtcNow().ToUnixTimeMilliseconds() > _view.Roster.MaskedInputDeadlineUnixMs)
        {
            return SecAggParticipantStep.Refuse("the masked-input deadline has passed");
        }

        var encoded = new ushort[encoding.PaddedDimension];
        using (var encoder = new DistributedDiscreteGaussianEncoder(encoding))
        using (var noise = new DiscreteGaussianSampler(_rng))
        {
            try
            {
                encoder.Encode(update, _view.RotationSeed, new SecureRandomBits(_rng), noise, encoded);
            }
            catch (ArgumentException e)
            {
                return SecAggParticipantStep.Refuse(e.Message);
            }
        }

        return SubmitEncoded(encoded);
    }

    /// <summary>
    /// Round 2 from an already encoded vector (D values below 2^b). Internal: the product path is
    /// <see cref="SubmitUpdate"/>, which adds the noise; tests use this to check the sum exactly.
    /// </summary>
    internal SecAggParticipantStep SubmitEncoded(ushort[] encoded)
    {
        if (State is not (SecAggParticipantState.SharesSent or SecAggParticipantState.SharesReceived) || _view is null || _encoded is not null)
        {
            return SecAggParticipantStep.Refuse($"an update is taken once, after the roster and before the masked input is sent (state {State})");
        }

        if (encoded.Length != _view.Encoding.PaddedDimension || !ModularVector.AllBelowModulus(encoded, _view.Encoding.Bits))
        {
            return SecAggParticipantStep.Refuse("the encoded vector does not fit the group's encoding");
        }

        _encoded = [.. encoded];
        return State == SecAggParticipantState.SharesReceived ? SecAggParticipantStep.Send(MaskedInput()) : SecAggParticipantStep.Nothing;
    }

    /// <summary>Applies the deadlines: no roster within the timeout, or the group's last deadline passed unanswered → expired.</summary>
    /// <returns>True when the participant expired now.</returns>
    public bool Tick()
    {
        if (IsFinished || State == SecAggParticipantState.Created)
        {
            return false;
        }

        DateTimeOffset now = _time.GetUtcNow();
        bool expired = _view is null
            ? now - _joinedAt > _options.RosterTimeout
            : now.ToUnixTimeMilliseconds() > _view.Roster.UnmaskDeadlineUnixMs;
        if (expired)
        {
            End(SecAggParticipantState.Expired, _view is null ? "no roster arrived in time" : "the group's unmask deadline passed");
        }

        return expired;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Erase();
        _channelKey.Dispose();
        _maskKey.Dispose();
    }

    private SecAggParticipantStep OnRoster(SecAggRoster roster)
    {
        if (State != SecAggParticipantState.Joined)
        {
            return SecAggParticipantStep.Refuse($"a roster is taken once, after the join (state {State})");
        }

        // a group takes joins of several versions and names the oldest; a base newer than this device's cannot be its group
        if (roster.ModelVersion > _modelVersion)
        {
            return SecAggParticipantStep.Refuse(string.Create(CultureInfo.InvariantCulture, $"the roster's base is model version {roster.ModelVersion}, newer than the {_modelVersion} the device joined with"));
        }

        if (roster.Members.Count > _options.MaxGroupSize || roster.Encoding.Dimension > _options.MaxDimension)
        {
            return SecAggParticipantStep.Refuse("the group or the model is larger than this device takes");
        }

        if (roster.Encoding.NoiseMultiplier < _options.MinimumNoiseMultiplier)
        {
            return SecAggParticipantStep.Refuse(string.Create(
                CultureInfo.InvariantCulture, $"the roster's noise multiplier {roster.Encoding.NoiseMultiplier:G4} is below the {_options.MinimumNoiseMultiplier:G4} this device is charged for"));
        }

        if (_time.GetUtcNow().ToUnixTimeMilliseconds() > roster.SharesDeadlineUnixMs)
        {
            return SecAggParticipantStep.Refuse("the roster arrived after its own shares deadline");
        }

        if (!SecAggRosterView.TryCreate(_fleet, roster, out SecAggRosterView? view, out string? reason))
        {
            return SecAggParticipantStep.Refuse(reason);
        }

        int own = view.IndexOf(_deviceId);
        if (own < 0)
        {
            return SecAggParticipantStep.Refuse("the roster does not list this device");
        }

        SecAggMember me = view.Member(own);
        if (!me.ChannelPublicKey.Span.SequenceEqual(_channelKey.PublicKey.Span) || !me.MaskPublicKey.Span.SequenceEqual(_maskKey.PublicKey.Span))
        {
            return SecAggParticipantStep.Refuse("the roster lists this device with keys it did not send");
        }

        ReadOnlySpan<int> neighbours = view.Graph.Neighbours(own);
        foreach (int v in neighbours)
        {
            if (!PairwiseSeedDerivation.IsValidPublicKey(view.Member(v).MaskPublicKey.Span))
            {
                return SecAggParticipantStep.Refuse(string.Create(CultureInfo.InvariantCulture, $"member {v}'s mask key is not a P-256 point"));
            }
        }

        var message = new SecAggShares { GroupId = view.GroupId };
        _rng.GetBytes(_selfMaskSeed);
        byte[] scalar = _maskKey.ExportPrivateScalar();
        try
        {
            int threshold = (int)roster.Threshold;
            SecretShare[] selfShares = ShamirSecretSharing.Split(_selfMaskSeed, threshold, neighbours.Length, _rng);
            SecretShare[] keyShares = ShamirSecretSharing.Split(scalar, threshold, neighbours.Length, _rng);
            for (int j = 0; j < neighbours.Length; j++)
            {
                SecAggMember peer = view.Member(neighbours[j]);
                var sealedShare = new byte[ShareChannel.SealedBytes];
                if (!ShareChannel.TrySeal(_channelKey, peer.ChannelPublicKey.Span, _fleet, view.GroupId, _deviceId, peer.DeviceId, selfShares[j], keyShares[j], _rng, sealedShare))
                {
                    CryptographicOperations.ZeroMemory(_selfMaskSeed);
                    return SecAggParticipantStep.Refuse(string.Create(CultureInfo.InvariantCulture, $"member {neighbours[j]}'s channel key is not a P-256 point"));
                }

                message.Shares.Add(new SecAggEncryptedShare { PeerIndex = (uint)neighbours[j], Ciphertext = ByteString.CopyFrom(sealedShare) });
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }

        _view = view;
        _ownIndex = own;
        State = SecAggParticipantState.SharesSent;
        return SecAggParticipantStep.Send(Envelope(m => m.Shares = message));
    }

    private SecAggParticipantStep OnShares(SecAggShares shares)
    {
        if (State != SecAggParticipantState.SharesSent || _view is null)
        {
            return SecAggParticipantStep.Refuse($"neighbours' shares are taken once, after this device's own (state {State})");
        }

        if (shares.GroupId != _view.GroupId)
        {
            return SecAggParticipantStep.Refuse("the shares are for another group");
        }

        // Neighbours that sent no shares in time are out of the group (the aggregator relays only what arrived); the rest
        // must hold at least t of this device's shares, else its secrets could never be recovered and its few pairwise
        // masks would hide too little.
        ReadOnlySpan<int> neighbours = _view.Graph.Neighbours(_ownIndex);
        int threshold = (int)_view.Roster.Threshold;
        if (shares.Shares.Count < threshold || shares.Shares.Count > neighbours.Length)
        {
            return SecAggParticipantStep.Refuse(string.Create(
                CultureInfo.InvariantCulture, $"{shares.Shares.Count} shares relayed; this device needs {threshold} to {neighbours.Length} (its threshold and neighbours)"));
        }

        var opened = new Dictionary<int, (SecretShare, SecretShare)>(shares.Shares.Count);
        foreach (SecAggEncryptedShare share in shares.Shares)
        {
            int sender = (int)share.PeerIndex;
            if (sender >= _view.Count || !_view.Graph.AreNeighbours(_ownIndex, sender))
            {
                return SecAggParticipantStep.Refuse(string.Create(CultureInfo.InvariantCulture, $"a relayed share comes from member {sender}, not a neighbour"));
            }

            SecAggMember peer = _view.Member(sender);
            if (!ShareChannel.TryOpen(_channelKey, peer.ChannelPublicKey.Span, _fleet, _view.GroupId, peer.DeviceId, _deviceId, share.Ciphertext.Span, out SecretShare? self, out SecretShare? key))
            {
                return SecAggParticipantStep.Refuse(string.Create(CultureInfo.InvariantCulture, $"the share from member {sender} does not open (altered, or not sealed for this device and group)"));
            }

            if (self.Index != _view.ShareIndex(sender, _ownIndex))
            {
                return SecAggParticipantStep.Refuse(string.Create(CultureInfo.InvariantCulture, $"the share from member {sender} is at the wrong abscissa"));
            }

            opened[sender] = (self, key);
        }

        foreach ((int sender, (SecretShare, SecretShare) pair) in opened)
        {
            _held[sender] = pair;
        }

        State = SecAggParticipantState.SharesReceived;
        return _encoded is null ? SecAggParticipantStep.Nothing : SecAggParticipantStep.Send(MaskedInput());
    }

    private SecAggParticipantStep OnUnmaskRequest(SecAggUnmaskRequest request)
    {
        if (State != SecAggParticipantState.MaskedInputSent || _view is null)
        {
            return SecAggParticipantStep.Refuse($"an unmask request is answered once, after this device's masked input (state {State})");
        }

        if (request.GroupId != _view.GroupId)
        {
            return SecAggParticipantStep.Refuse("the unmask request is for another group");
        }

        int n = _view.Count;
        var survivors = new HashSet<int>();
        var seen = new bool[n];
        foreach (uint index in request.Survivors.Concat(request.Dropped))
        {
            if (index >= n || seen[index])
            {
                return SecAggParticipantStep.Refuse("the unmask request lists a member outside the roster or twice");
            }

            seen[index] = true;
        }

        if (request.Survivors.Count + request.Dropped.Count != n)
        {
            return SecAggParticipantStep.Refuse("the unmask request's survivors and dropped do not cover the roster");
        }

        foreach (uint index in request.Survivors)
        {
            survivors.Add((int)index);
            if (_view.Graph.AreNeighbours(_ownIndex, (int)index) && !_held.ContainsKey((int)index))
            {
                return SecAggParticipantStep.Refuse("the unmask request lists as a survivor a neighbour that sent no shares");
            }
        }

        if (!survivors.Contains(_ownIndex))
        {
            return SecAggParticipantStep.Refuse("the unmask request counts this device, whose masked input was sent, as dropped");
        }

        if (survivors.Count < _view.Roster.MinimumSurvivors)
        {
            return SecAggParticipantStep.Refuse(string.Create(CultureInfo.InvariantCulture, $"{survivors.Count} survivors are fewer than the roster's minimum {_view.Roster.MinimumSurvivors}"));
        }

        // Never both secrets of one neighbour: each is answered with exactly one of its two shares, once.
        var answer = new SecAggUnmaskShares { GroupId = _view.GroupId };
        foreach ((int neighbour, (SecretShare self, SecretShare key)) in _held.OrderBy(pair => pair.Key))
        {
            bool survived = survivors.Contains(neighbour);
            SecretShare share = survived ? self : key;
            var value = new SecAggShareValue { OwnerIndex = (uint)neighbour, ShareIndex = (uint)share.Index };
            value.Values.Add(share.Values.ToArray());
            (survived ? answer.SelfMaskShares : answer.MaskKeyShares).Add(value);
        }

        SecAggDeviceMessage message = Envelope(m => m.UnmaskShares = answer);
        End(SecAggParticipantState.Answered, null);
        return SecAggParticipantStep.Send(message);
    }

    private SecAggParticipantStep OnAbandoned(SecAggAbandoned abandoned)
    {
        if (_view is not null && abandoned.GroupId != _view.GroupId)
        {
            return SecAggParticipantStep.Refuse("the abandonment is for another group");
        }

        End(SecAggParticipantState.Abandoned, "the aggregator abandoned the group: " + abandoned.Reason);
        return SecAggParticipantStep.Nothing;
    }

    private SecAggDeviceMessage MaskedInput()
    {
        SecAggRosterView view = _view!;
        int bits = view.Encoding.Bits;
        // Only the neighbours whose shares arrived: the others are excluded, and the aggregator removes no mask of theirs.
        int[] neighbours = [.. _held.Keys.Order()];
        var pairs = new List<PairwiseSeed>(neighbours.Length);
        var seeds = new byte[neighbours.Length][];
        for (int j = 0; j < neighbours.Length; j++)
        {
            seeds[j] = new byte[MaskExpander.SeedBytes];
            if (!view.TryMaskSeed(_maskKey, _ownIndex, neighbours[j], seeds[j]))
            {
                throw new InvalidOperationException($"Member {neighbours[j]}'s mask key is not a point; the roster check refuses that.");
            }

            pairs.Add(new PairwiseSeed(neighbours[j], seeds[j]));
        }

        var masked = new ushort[view.Encoding.PaddedDimension];
        using (var expander = new MaskExpander())
        {
            PairwiseMasking.Mask(expander, _encoded, bits, _ownIndex, _selfMaskSeed, pairs, masked);
        }

        foreach (byte[] seed in seeds)
        {
            CryptographicOperations.ZeroMemory(seed);
        }

        Array.Clear(_encoded!);
        _encoded = null;
        var packed = new byte[ModularPacking.PackedLength(masked.Length, bits)];
        ModularPacking.Pack(masked, bits, packed);
        State = SecAggParticipantState.MaskedInputSent;
        return Envelope(m => m.MaskedInput = new SecAggMaskedInput { GroupId = view.GroupId, Masked = ByteString.CopyFrom(packed) });
    }

    private SecAggDeviceMessage Envelope(Action<SecAggDeviceMessage> body)
    {
        var message = new SecAggDeviceMessage { ProtocolMajor = ProtocolVersion.Major, DeviceId = _deviceId, Fleet = _fleet };
        body(message);
        return message;
    }

    private void End(SecAggParticipantState state, string? reason)
    {
        State = state;
        EndReason = reason;
        Erase();
    }

    private void Erase()
    {
        CryptographicOperations.ZeroMemory(_selfMaskSeed);
        _held.Clear();
        if (_encoded is not null)
        {
            Array.Clear(_encoded);
            _encoded = null;
        }
    }
}
