namespace FedEdge.Aggregation.State;

/// <summary>An accepted update waiting in the aggregation buffer.</summary>
/// <param name="UpdateId">The 16-byte update id (deduplication key).</param>
/// <param name="DeviceId">The device that sent it.</param>
/// <param name="BaseVersion">The model version it was trained from.</param>
/// <param name="ReceivedAt">When it was accepted.</param>
/// <param name="SampleCount">Local samples behind it (FedAvg weight).</param>
/// <param name="Message">The serialised ModelUpdate exactly as received and validated.</param>
public sealed record BufferedUpdate(byte[] UpdateId, string DeviceId, long BaseVersion, DateTimeOffset ReceivedAt, long SampleCount, byte[] Message);
