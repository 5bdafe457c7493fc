namespace FedEdge.Sensors.Labels;

/// <summary>What one poll of a label feed did.</summary>
/// <param name="Accepted">Lines turned into labels.</param>
/// <param name="Rejected">Lines that were not valid label records (skipped).</param>
/// <param name="LastProblem">Why the last rejected line was rejected (with its line number), or null.</param>
public sealed record LabelFeedResult(int Accepted, int Rejected, string? LastProblem);
