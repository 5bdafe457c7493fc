using FedEdge.Protocol.Transport;

namespace FedEdge.Aggregator.Tests.Node;

/// <summary>An <see cref="IAcknowledgedPublisher"/> that records what it is asked to publish and acknowledges at once.</summary>
internal sealed class RecordingPublisher : IAcknowledgedPublisher
{
    public List<(string Topic, byte[] Payload, bool Retain)> Published { get; } = [];

    public Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        Published.Add((topic, payload.ToArray(), retain));
        return Task.FromResult(default(PublishAcknowledgement));
    }
}
