using System.Globalization;

namespace FedEdge.Core.Aggregation;

/// <summary>Admission rule shared by the buffered asynchronous strategies (FedBuff, FTTE).</summary>
internal static class AsyncAdmission
{
    /// <summary>Common checks, then τ ≤ max staleness, then one update per device per buffer.</summary>
    public static UpdateVerdict Admit(ClientUpdate update, IReadOnlyList<ClientUpdate> buffer, AggregationContext context, long maxStaleness)
    {
        var verdict = UpdateValidation.Check(update, context);
        if (!verdict.Accepted)
        {
            return verdict;
        }

        long staleness = AggregationStep.Staleness(update, context);
        if (staleness > maxStaleness)
        {
            return UpdateVerdict.Reject(
                RejectionReason.TooStale,
                string.Create(CultureInfo.InvariantCulture, $"Staleness {staleness} (version {context.CurrentVersion} − base {update.BaseVersion}) exceeds the limit {maxStaleness}."));
        }

        // One update per device per step: a fast device must not outweigh the others inside one buffer, and it
        // keeps user-level DP's per-step sensitivity at one clipped update per user.
        return UpdateValidation.CheckNotDuplicate(update, buffer);
    }
}
