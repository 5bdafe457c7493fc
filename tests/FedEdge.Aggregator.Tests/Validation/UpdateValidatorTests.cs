using FedEdge.Core.Aggregation;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Codecs;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Aggregator.Tests.Validation;

public class UpdateValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly float[] Delta = [0.1f, -0.2f, 0.3f, 0.0f, 0.5f, -0.1f, 0.05f, 0.02f];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    private UpdateValidationContext Context(long version = 5, IReadOnlyDictionary<string, ParameterSubset>? subsets = null) =>
        new(UpdateFactory.Fleet, UpdateFactory.Layout, version, subsets ?? new Dictionary<string, ParameterSubset>(), id => _seen.Contains(Convert.ToHexString(id)));

    private static UpdateValidator Validator(UpdateValidationOptions? options = null) => new(new WireParser(), options ?? new UpdateValidationOptions { MaxUpdateNorm = 10 });

    private static IntakeVerdict Run(UpdateValidator validator, string topic, byte[] payload, UpdateValidationContext context) =>
        validator.Validate(topic, payload, context, Now);

    [Fact]
    public void A_valid_update_is_accepted_with_its_decoded_delta()
    {
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 1, 4, Delta), Context());
        Assert.Equal(IntakeOutcome.Accepted, verdict.Kind);
        Assert.Equal(Delta, verdict.Delta);
    }

    [Fact]
    public void A_payload_whose_device_differs_from_the_topic_is_an_identity_mismatch()
    {
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-b"), UpdateFactory.Bytes("dev-a", 1, 4, Delta), Context());
        Assert.Equal(RejectionReason.IdentityMismatch, verdict.Reason);
        Assert.Contains("dev-a", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_is_malformed()
    {
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), [0xFF, 0xFF, 0xFF, 0x01, 0x02], Context());
        Assert.Equal(RejectionReason.Malformed, verdict.Reason);
    }

    [Fact]
    public void An_oversized_payload_is_rejected_before_parsing()
    {
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), new byte[WireLimits.DefaultMaxModelUpdateBytes + 1], Context());
        Assert.Equal(RejectionReason.Oversized, verdict.Reason);
    }

    [Fact]
    public void A_nan_in_the_update_is_rejected_as_non_finite()
    {
        // overwrite the 4th of the 8 little-endian floats at the end of the dense payload with NaN
        var message = UpdateFactory.Message("dev-a", 1, 4, Delta);
        byte[] payload = message.Payload.ToByteArray();
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(payload.Length - (5 * 4)), float.NaN);
        message.Payload = ByteString.CopyFrom(payload);
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), message.ToByteArray(), Context());
        Assert.Equal(RejectionReason.NonFinite, verdict.Reason);
    }

    [Fact]
    public void An_update_for_another_layout_is_a_wrong_shape()
    {
        var other = new Core.Parameters.ParameterLayout([new Core.Parameters.TensorSpec("w", 4)]);
        var codec = new DenseFloat32Codec();
        byte[] payload = new byte[codec.MaxEncodedSize(other)];
        codec.Encode([1f, 2f, 3f, 4f], other, payload);
        var message = UpdateFactory.Message("dev-a", 1, 4, Delta);
        message.Payload = ByteString.CopyFrom(payload);
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), message.ToByteArray(), Context());
        Assert.Equal(RejectionReason.WrongShape, verdict.Reason);
    }

    [Fact]
    public void A_tampered_payload_header_is_rejected_with_a_reason()
    {
        var message = UpdateFactory.Message("dev-a", 1, 4, Delta);
        byte[] payload = message.Payload.ToByteArray();
        payload[5] ^= 0x5A;
        message.Payload = ByteString.CopyFrom(payload);
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), message.ToByteArray(), Context());
        Assert.Equal(IntakeOutcome.Rejected, verdict.Kind);
        Assert.NotEmpty(verdict.Message);
    }

    [Fact]
    public void An_update_above_the_norm_bound_is_rejected()
    {
        float[] big = Delta.Select(v => v * 100).ToArray();
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 1, 4, big), Context());
        Assert.Equal(RejectionReason.NormTooLarge, verdict.Reason);
    }

    [Fact]
    public void A_seen_update_id_is_a_duplicate_not_a_rejection()
    {
        _seen.Add(Convert.ToHexString(UpdateFactory.Id(7)));
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 7, 4, Delta), Context());
        Assert.Equal(IntakeOutcome.Duplicate, verdict.Kind);
    }

    [Fact]
    public void A_device_over_its_hourly_rate_is_limited()
    {
        var validator = Validator(new UpdateValidationOptions { MaxUpdatesPerDevicePerHour = 2, MaxUpdateNorm = 10 });
        Assert.Equal(IntakeOutcome.Accepted, Run(validator, UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 1, 4, Delta), Context()).Kind);
        Assert.Equal(IntakeOutcome.Accepted, Run(validator, UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 2, 4, Delta), Context()).Kind);
        Assert.Equal(RejectionReason.RateLimited, Run(validator, UpdateFactory.Topic("dev-a"), UpdateFactory.Bytes("dev-a", 3, 4, Delta), Context()).Reason);
        Assert.Equal(IntakeOutcome.Accepted, Run(validator, UpdateFactory.Topic("dev-b"), UpdateFactory.Bytes("dev-b", 4, 4, Delta), Context()).Kind);
    }

    [Fact]
    public void An_update_for_another_fleet_is_rejected()
    {
        var message = UpdateFactory.Message("dev-a", 1, 4, Delta);
        message.Fleet = "neighbour";
        Assert.Equal(RejectionReason.WrongFleet, Run(Validator(), UpdateFactory.Topic("dev-a"), message.ToByteArray(), Context()).Reason);
    }

    [Fact]
    public void A_subset_update_decodes_only_against_an_assigned_subset()
    {
        var subset = ParameterSubset.For(UpdateFactory.Layout, [1, 4, 6]);
        var codec = new SparseSubsetCodec(subset);
        var message = UpdateFactory.Message("dev-a", 1, 4, Delta, codec: codec);
        message.SubsetId = ByteString.CopyFrom(subset.ContentHash);
        byte[] bytes = message.ToByteArray();

        Assert.Equal(RejectionReason.UnknownSubset, Run(Validator(), UpdateFactory.Topic("dev-a"), bytes, Context()).Reason);
        var assigned = new Dictionary<string, ParameterSubset> { [Convert.ToHexStringLower(subset.ContentHash)] = subset };
        var verdict = Run(Validator(), UpdateFactory.Topic("dev-a"), bytes, Context(subsets: assigned));
        Assert.Equal(IntakeOutcome.Accepted, verdict.Kind);
        Assert.Equal(new[] { 0f, Delta[1], 0f, 0f, Delta[4], 0f, Delta[6], 0f }, verdict.Delta);
    }

    [Fact]
    public void An_unknown_subset_on_an_update_beyond_the_staleness_limit_is_refused_as_too_stale()
    {
        var subset = ParameterSubset.For(UpdateFactory.Layout, [1, 4, 6]);
        var message = UpdateFactory.Message("dev-a", 1, 4, Delta, codec: new SparseSubsetCodec(subset));
        message.SubsetId = ByteString.CopyFrom(subset.ContentHash);
        byte[] bytes = message.ToByteArray();

        // base 4: staleness 3 at version 7, 4 at version 8; the limit is 3
        var within = Run(Validator(), UpdateFactory.Topic("dev-a"), bytes, Context(version: 7) with { MaxStaleness = 3 });
        var beyond = Run(Validator(), UpdateFactory.Topic("dev-a"), bytes, Context(version: 8) with { MaxStaleness = 3 });
        var noLimit = Run(Validator(), UpdateFactory.Topic("dev-a"), bytes, Context(version: 8));

        Assert.Equal(RejectionReason.UnknownSubset, within.Reason);
        Assert.Equal(RejectionReason.TooStale, beyond.Reason);
        Assert.Contains("Staleness 4 (version 8 − base 4) exceeds the limit 3", beyond.Message, StringComparison.Ordinal);
        Assert.Equal(RejectionReason.UnknownSubset, noLimit.Reason);
    }
}
