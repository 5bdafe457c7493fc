using FedEdge.Protocol.Transport;
using MQTTnet;

namespace FedEdge.Protocol.Tests.Outbox;

/// <summary>A publisher whose answer per topic is scripted; records every publish it was asked for.</summary>
internal sealed class ScriptedPublisher : IAcknowledgedPublisher
{
    private readonly Func<string, ReadOnlyMemory<byte>, PublishAcknowledgement> _answer;

    public ScriptedPublisher(Func<string, ReadOnlyMemory<byte>, PublishAcknowledgement> answer) => _answer = answer;

    public List<byte[]> Published { get; } = [];

    public static PublishAcknowledgement Success => new(MqttClientPublishReasonCode.Success);

    public Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        lock (Published)
        {
            Published.Add(payload.ToArray());
        }

        return Task.FromResult(_answer(topic, payload));
    }
}
