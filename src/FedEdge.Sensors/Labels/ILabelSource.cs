using System.Diagnostics.CodeAnalysis;

namespace FedEdge.Sensors.Labels;

/// <summary>Something that can name the class of a feature window: user feedback, or a rule over another sensor.</summary>
public interface ILabelSource
{
    /// <summary>
    /// The label for the window [<paramref name="windowStart"/>, <paramref name="windowEnd"/>], or
    /// false when this source has nothing to say about it (the window then stays unlabelled).
    /// </summary>
    bool TryGetLabel(DateTimeOffset windowStart, DateTimeOffset windowEnd, [NotNullWhen(true)] out string? label);
}
