using System.Globalization;
using FedEdge.Core.Codecs;
using Google.Protobuf;

namespace FedEdge.Protocol.Wire;

/// <summary>
/// The semantic rules a parsed message must satisfy before anything acts on it. Each check returns
/// null or the reason naming the field; values from outside are described, never echoed.
/// </summary>
/// <remarks>
/// Enum policy: an unknown value of an enum the receiver must interpret (payload encoding, DP
/// mechanism) is rejected — there is no safe default. An unknown value of an informational enum
/// (device state, power source) is accepted, so a newer minor version can add states without
/// breaking older aggregators; only Unspecified (field missing) is rejected.
/// </remarks>
internal static partial class MessageRules
{
    /// <summary>Latest accepted timestamp: 9999-12-31T23:59:59.999Z, the end of <see cref="DateTimeOffset"/>'s range.</summary>
    public const long MaxUnixMilliseconds = 253_402_300_799_999;

    public static string? Check(ModelUpdate m, WireLimits limits) =>
        Exactly(m.UpdateId, WireLimits.UpdateIdBytes, "update_id")
        ?? WireIdentifier.Check(m.DeviceId, "device_id")
        ?? WireIdentifier.Check(m.Fleet, "fleet")
        ?? (m.BaseModelVersion == 0 ? "base_model_version is 0 (an update is trained from a published model; versions start at 1)" : null)
        ?? HashOrEmpty(m.SubsetId, "subset_id")
        ?? Payload(m.Encoding, m.Payload, "encoding", "payload")
        ?? (m.Encoding == PayloadEncoding.SparseSubset && m.SubsetId.IsEmpty ? "a sparse-subset payload needs a subset_id" : null)
        ?? Dp(m.Dp, m.PrivacySpent)
        ?? (m.SampleCount == 0 ? "sample_count is 0: an update must be trained on at least one sample" : null)
        ?? Timestamp(m.CreatedAtUnixMs, "created_at_unix_ms")
        ?? StringLengths(limits, m.DeviceId, m.Fleet);

    public static string? Check(GlobalModel m, WireLimits limits) =>
        (m.Version == 0 ? "version is 0 (model versions start at 1)" : null)
        ?? WireIdentifier.Check(m.Fleet, "fleet")
        ?? Architecture(m.Architecture, limits)
        ?? Exactly(m.ArchitectureHash, WireLimits.HashBytes, "architecture_hash")
        ?? Payload(m.ParametersEncoding, m.Parameters, "parameters_encoding", "parameters")
        ?? Subsets(m, limits)
        ?? Timestamp(m.CreatedAtUnixMs, "created_at_unix_ms")
        ?? (m.KeyId.Length == 0 ? null : WireIdentifier.Check(m.KeyId, "key_id"))
        ?? (m.Signature.Length > limits.MaxSignatureBytes
            ? string.Create(CultureInfo.InvariantCulture, $"signature is {m.Signature.Length} bytes (at most {limits.MaxSignatureBytes})")
            : null);

    public static string? Check(DeviceStatus m, WireLimits limits) =>
        WireIdentifier.Check(m.DeviceId, "device_id")
        ?? WireIdentifier.Check(m.Fleet, "fleet")
        ?? (m.State == DeviceState.Unspecified ? "state is unspecified" : null)
        ?? NonNegativeFinite(m.ComputeScore, "compute_score")
        ?? (m.PowerSource == PowerSource.Unspecified ? "power_source is unspecified" : null)
        ?? NonNegativeFinite(m.PrivacyEpsilonLeft, "privacy_epsilon_left")
        ?? Timestamp(m.TimestampUnixMs, "timestamp_unix_ms")
        ?? (m.MemoryClass.Length == 0 ? null : WireIdentifier.Check(m.MemoryClass, "memory_class"))
        ?? StringLengths(limits, m.DeviceId, m.Fleet);

    public static string? Check(Pace m, WireLimits limits)
    {
        string? error = WireIdentifier.Check(m.Fleet, "fleet") ?? Timestamp(m.CreatedAtUnixMs, "created_at_unix_ms");
        if (error is not null)
        {
            return error;
        }

        if (m.Windows.Count > limits.MaxCheckInWindows)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{m.Windows.Count} check-in windows (at most {limits.MaxCheckInWindows})");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < m.Windows.Count; i++)
        {
            CheckInWindow window = m.Windows[i];
            string what = string.Create(CultureInfo.InvariantCulture, $"windows[{i}].memory_class");
            error = WireIdentifier.Check(window.MemoryClass, what);
            if (error is not null)
            {
                return error;
            }

            if (!seen.Add(window.MemoryClass))
            {
                return $"{what} repeats an earlier memory class";
            }

            if (window.WindowSeconds == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"windows[{i}].window_seconds is 0");
            }
        }

        if (m.Cohort.Count > limits.MaxCohort)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{m.Cohort.Count} cohort devices (at most {limits.MaxCohort})");
        }

        for (int i = 0; i < m.Cohort.Count; i++)
        {
            error = WireIdentifier.Check(m.Cohort[i], string.Create(CultureInfo.InvariantCulture, $"cohort[{i}]"));
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    private static string? Subsets(GlobalModel m, WireLimits limits)
    {
        if (m.Subsets.Count > limits.MaxSubsetAssignments)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{m.Subsets.Count} subset assignments (at most {limits.MaxSubsetAssignments})");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < m.Subsets.Count; i++)
        {
            SubsetAssignment assignment = m.Subsets[i];
            string what = string.Create(CultureInfo.InvariantCulture, $"subsets[{i}]");
            string? error = WireIdentifier.Check(assignment.MemoryClass, what + ".memory_class");
            if (error is not null)
            {
                return error;
            }

            if (!seen.Add(assignment.MemoryClass))
            {
                return $"{what}.memory_class repeats an earlier memory class";
            }

            error = SubsetIndexCoding.Check(assignment);
            if (error is not null)
            {
                return $"{what}: {error}";
            }
        }

        return null;
    }

    private static string? Dp(DpParameters? dp, EpsilonDelta? spent)
    {
        if (dp is null)
        {
            return "dp is missing";
        }

        if (dp.Mechanism == DpMechanism.Unspecified || !Enum.IsDefined(dp.Mechanism))
        {
            return string.Create(CultureInfo.InvariantCulture, $"dp.mechanism {(int)dp.Mechanism} is not a mechanism this build knows");
        }

        string? error = NonNegativeFinite(dp.NoiseMultiplier, "dp.noise_multiplier")
            ?? NonNegativeFinite(dp.ClipNorm, "dp.clip_norm")
            ?? NonNegativeFinite(dp.SamplingRate, "dp.sampling_rate")
            ?? (dp.SamplingRate > 1.0 ? "dp.sampling_rate is above 1" : null);
        if (error is not null || dp.Mechanism == DpMechanism.None)
        {
            return error;
        }

        if (dp.ClipNorm == 0.0)
        {
            return "dp.clip_norm is 0: a DP mechanism needs a positive clipping norm";
        }

        if (dp.SamplingRate == 0.0 || dp.Steps == 0)
        {
            return "dp.sampling_rate and dp.steps must be positive for a DP mechanism";
        }

        if (spent is null)
        {
            return "privacy_spent is missing";
        }

        return NonNegativeFinite(spent.Epsilon, "privacy_spent.epsilon")
            ?? NonNegativeFinite(spent.Delta, "privacy_spent.delta")
            ?? (spent.Delta >= 1.0 ? "privacy_spent.delta is not below 1" : null);
    }

    private static string? Payload(PayloadEncoding encoding, ByteString payload, string encodingName, string payloadName)
    {
        if (!WireEncodings.TryFromWire(encoding, out UpdateEncoding codec))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{encodingName} {(int)encoding} is not an encoding this build knows");
        }

        DecodeResult header = UpdateCodecs.TryReadEncoding(payload.Span, out UpdateEncoding inPayload);
        if (!header.Succeeded)
        {
            return $"{payloadName} header: {header.Message}";
        }

        return inPayload == codec ? null : $"{payloadName} header says {inPayload} but {encodingName} says {codec}";
    }

    private static string? Architecture(string architecture, WireLimits limits)
    {
        if (architecture.Length == 0 || architecture.Length > limits.MaxStringLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"architecture must be 1..{limits.MaxStringLength} characters, got {architecture.Length}");
        }

        foreach (char c in architecture)
        {
            if (c < 0x20 || c > 0x7E)
            {
                return "architecture has a character outside printable ASCII";
            }
        }

        return null;
    }

    private static string? Exactly(ByteString value, int length, string name) =>
        value.Length == length ? null : string.Create(CultureInfo.InvariantCulture, $"{name} is {value.Length} bytes, must be exactly {length}");

    private static string? HashOrEmpty(ByteString value, string name) =>
        value.IsEmpty || value.Length == WireLimits.HashBytes
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{name} is {value.Length} bytes, must be empty or {WireLimits.HashBytes}");

    private static string? NonNegativeFinite(double value, string name) =>
        double.IsFinite(value) && value >= 0.0 ? null : $"{name} must be finite and non-negative";

    private static string? Timestamp(long unixMs, string name) =>
        unixMs > 0 && unixMs <= MaxUnixMilliseconds ? null : $"{name} must be a positive Unix time in milliseconds up to year 9999";

    private static string? StringLengths(WireLimits limits, string first, string second) =>
        first.Length > limits.MaxStringLength || second.Length > limits.MaxStringLength
            ? string.Create(CultureInfo.InvariantCulture, $"a string field is longer than {limits.MaxStringLength} characters")
            : null;
}
