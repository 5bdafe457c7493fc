namespace FedEdge.Sensors.Features;

/// <summary>Statistics of one channel over one window, in the channel's unit.</summary>
/// <param name="Count">Readings in the window.</param>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="StandardDeviation">Population standard deviation (divide by n, as the simulator does).</param>
/// <param name="Min">Smallest reading.</param>
/// <param name="Max">Largest reading.</param>
/// <param name="SlopePerSecond">Least-squares slope of value against time, unit per second (0 for fewer than two distinct times).</param>
public readonly record struct ChannelSummary(int Count, double Mean, double StandardDeviation, double Min, double Max, double SlopePerSecond);
