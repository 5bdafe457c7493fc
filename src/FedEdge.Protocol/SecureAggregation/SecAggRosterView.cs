using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.SecureAggregation;
using FedEdge.Protocol.Wire;

namespace FedEdge.Protocol.SecureAggregation;

/// <summary>
/// What both ends derive from one <see cref="SecAggRoster"/>, identically: the SecAgg+ graph, the DDGauss parameters, the
/// rotation seed, member indices, Shamir abscissae and pairwise mask seeds. The device (SecAggParticipant) and the
/// aggregator (SecAggGroupCoordinator) both read the roster through this type, so they cannot disagree on any of it.
/// Immutable.
/// </summary>
public sealed class SecAggRosterView
{
    /// <summary>Relative tolerance on the roster's σ² against the one recomputed from its parameters (float64 rounding only).</summary>
    public const double VarianceTolerance = 1e-9;

    private static readonly byte[] RotationLabel = "FedEdge secagg rotation v1"u8.ToArray();
    private readonly Dictionary<string, int> _indices;
    private readonly byte[] _rotationSeed;

    private SecAggRosterView(string fleet, SecAggRoster roster, SecAggNeighbourhood graph, DistributedDiscreteGaussianParameters encoding)
    {
        Fleet = fleet;
        Roster = roster;
        Graph = graph;
        Encoding = encoding;
        _indices = new Dictionary<string, int>(roster.Members.Count, StringComparer.Ordinal);
        for (int i = 0; i < roster.Members.Count; i++)
        {
            _indices[roster.Members[i].DeviceId] = i;
        }

        // The graph keys AES-CTR with the round seed itself; the rotation's signs get an independent public seed.
        _rotationSeed = HMACSHA256.HashData(roster.RoundSeed.Span, RotationLabel);
    }

    /// <summary>The fleet the group belongs to (part of every key derivation).</summary>
    public string Fleet { get; }

    /// <summary>The roster as received (or built).</summary>
    public SecAggRoster Roster { get; }

    /// <summary>The neighbourhood graph from the public round seed.</summary>
    public SecAggNeighbourhood Graph { get; }

    /// <summary>The distributed discrete Gaussian parameters, recomputed from the roster's fields.</summary>
    public DistributedDiscreteGaussianParameters Encoding { get; }

    /// <summary>n.</summary>
    public int Count => Roster.Members.Count;

    /// <summary>The group id.</summary>
    public long GroupId => Roster.GroupId;

    /// <summary>The public seed of the randomized Hadamard rotation: HMAC-SHA256(round seed, label).</summary>
    public ReadOnlySpan<byte> RotationSeed => _rotationSeed;

    /// <summary>The wire form of <paramref name="parameters"/>.</summary>
    public static SecAggEncoding ToWire(DistributedDiscreteGaussianParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new SecAggEncoding
        {
            Dimension = (uint)parameters.Dimension,
            ClipNorm = parameters.ClipNorm,
            Gamma = parameters.Gamma,
            Bits = (uint)parameters.Bits,
            Beta = parameters.Beta,
            NoiseMultiplier = parameters.NoiseMultiplier,
            NoiseSurvivors = (uint)parameters.MinimumSurvivors,
            MaximumGroupSize = (uint)parameters.MaximumGroupSize,
            LocalVariance = parameters.LocalVariance,
        };
    }

    /// <summary>
    /// Reads a roster that passed the wire rules. Refuses (with the reason) a degree the graph cannot have, encoding
    /// parameters that do not construct, a σ² that is not the one its parameters give, or a minimum of survivors below
    /// the n_min the noise was calibrated for (a sum with less noise than promised could be released).
    /// </summary>
    public static bool TryCreate(string fleet, SecAggRoster roster, [NotNullWhen(true)] out SecAggRosterView? view, [NotNullWhen(false)] out string? reason)
    {
        ArgumentNullException.ThrowIfNull(roster);
        view = null;
        SecAggEncoding? wire = roster.Encoding;
        if (wire is null)
        {
            reason = "the roster has no encoding";
            return false;
        }

        if (roster.MinimumSurvivors < wire.NoiseSurvivors)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"minimum_survivors {roster.MinimumSurvivors} is below the {wire.NoiseSurvivors} devices whose noise the encoding counts on");
            return false;
        }

        SecAggNeighbourhood graph;
        DistributedDiscreteGaussianParameters encoding;
        try
        {
            graph = SecAggNeighbourhood.Create(roster.Members.Count, (int)roster.Degree, roster.RoundSeed.Span);
            encoding = new DistributedDiscreteGaussianParameters(
                (int)wire.Dimension, wire.ClipNorm, wire.Gamma, (int)wire.Bits, wire.Beta, (int)wire.NoiseSurvivors, (int)wire.MaximumGroupSize, wire.NoiseMultiplier);
        }
        catch (ArgumentException e)
        {
            reason = "the roster's parameters are inconsistent: " + e.Message;
            return false;
        }

        if (Math.Abs(encoding.LocalVariance - wire.LocalVariance) > VarianceTolerance * encoding.LocalVariance)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"local_variance {wire.LocalVariance:G6} is not the σ² = {encoding.LocalVariance:G6} its parameters give");
            return false;
        }

        view = new SecAggRosterView(fleet, roster, graph, encoding);
        reason = null;
        return true;
    }

    /// <summary>The member's index, or −1.</summary>
    public int IndexOf(string deviceId) => _indices.GetValueOrDefault(deviceId, -1);

    /// <summary>The member at <paramref name="index"/>.</summary>
    public SecAggMember Member(int index) => Roster.Members[index];

    /// <summary>
    /// The Shamir abscissa of <paramref name="owner"/>'s shares held by <paramref name="holder"/>: the holder's position in
    /// the owner's sorted neighbour list + 1; 0 when they are not neighbours.
    /// </summary>
    public int ShareIndex(int owner, int holder)
    {
        int position = Graph.Neighbours(owner).BinarySearch(holder);
        return position < 0 ? 0 : position + 1;
    }

    /// <summary>
    /// s_{own,peer} = HKDF(ECDH(own mask key, peer's mask public key), PairwiseMask, fleet, group, ids) — on the device with
    /// its own key, on the aggregator with a dropped member's rebuilt key. False when the peer's key is not a point.
    /// </summary>
    public bool TryMaskSeed(SecAggKeyPair ownMaskKey, int own, int peer, Span<byte> seed) =>
        PairwiseSeedDerivation.TryDerive(
            ownMaskKey, Member(peer).MaskPublicKey.Span, SeedPurpose.PairwiseMask, Fleet, GroupId, Member(own).DeviceId, Member(peer).DeviceId, seed);
}
