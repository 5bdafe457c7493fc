using System.Globalization;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation;

/// <summary>
/// The checks every strategy applies to an update before it may enter a buffer (defence in depth: the
/// service validates too). Public so the service and the simulator reject with the same reasons.
/// </summary>
public static class UpdateValidation
{
    /// <summary>Shape, finiteness, metadata and version checks common to all strategies.</summary>
    public static UpdateVerdict Check(ClientUpdate update, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrEmpty(update.UpdateId) || string.IsNullOrEmpty(update.DeviceId))
        {
            return UpdateVerdict.Reject(RejectionReason.Malformed, "The update id and device id must be non-empty.");
        }

        if (update.SampleCount <= 0)
        {
            return UpdateVerdict.Reject(RejectionReason.BadSampleCount, Format($"The sample count must be positive, got {update.SampleCount}."));
        }

        if (update.Delta is null)
        {
            return UpdateVerdict.Reject(RejectionReason.WrongShape, "The update has no delta.");
        }

        // a dense update is always welcome (an FTTE device whose memory class fits the whole model trains all of it); a sparse
        // one must cover exactly the assigned subset or one assigned earlier within the staleness window
        if (update.Subset is not null && !Equals(update.Subset, context.Subset) && !context.EarlierSubsets.Contains(update.Subset))
        {
            return UpdateVerdict.Reject(
                RejectionReason.WrongShape,
                Format($"The update covers {Describe(update.Subset)} but the server expects {Describe(context.Subset)} or the whole layout."));
        }

        int expected = update.Subset?.Count ?? context.Layout.TotalLength;
        if (update.Subset is not null && update.Subset.TotalLength != context.Layout.TotalLength)
        {
            return UpdateVerdict.Reject(
                RejectionReason.WrongShape,
                Format($"The subset is over {update.Subset.TotalLength} elements but the layout has {context.Layout.TotalLength}."));
        }

        if (update.Delta.Length != expected)
        {
            return UpdateVerdict.Reject(
                RejectionReason.WrongShape,
                Format($"The delta has {update.Delta.Length} elements but {expected} are expected."));
        }

        if (!ParameterSet.AllFinite(update.Delta))
        {
            return UpdateVerdict.Reject(RejectionReason.NonFinite, "The delta holds NaN or infinite values.");
        }

        if (update.BaseVersion > context.CurrentVersion)
        {
            return UpdateVerdict.Reject(
                RejectionReason.FutureBaseVersion,
                Format($"Base version {update.BaseVersion} is newer than the current version {context.CurrentVersion}."));
        }

        return UpdateVerdict.Accept;
    }

    /// <summary>Rejects a second update from the same device within one buffer.</summary>
    public static UpdateVerdict CheckNotDuplicate(ClientUpdate update, IReadOnlyList<ClientUpdate> buffer)
    {
        ArgumentNullException.ThrowIfNull(update);
        ArgumentNullException.ThrowIfNull(buffer);
        foreach (var other in buffer)
        {
            if (string.Equals(other.DeviceId, update.DeviceId, StringComparison.Ordinal))
            {
                return UpdateVerdict.Reject(
                    RejectionReason.DeviceAlreadyBuffered,
                    Format($"Device '{update.DeviceId}' already has update '{other.UpdateId}' in the buffer."));
            }
        }

        return UpdateVerdict.Accept;
    }

    private static string Describe(Codecs.ParameterSubset? subset) => subset is null ? "the whole layout" : subset.ToString();

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
