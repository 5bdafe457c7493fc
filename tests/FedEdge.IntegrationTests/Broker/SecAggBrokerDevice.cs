using FedEdge.Device.SecureAggregation;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.IntegrationTests.Broker;

/// <summary>
/// A bare secure-aggregation device over the test broker: its own certificate, subscribed to its own inbox, one
/// <see cref="SecAggParticipant"/> (the caller's) answering every inbox message on its secagg topic, and a way to leave at a
/// chosen point of the protocol, for the dropout cases.
/// </summary>
internal static class SecAggBrokerDevice
{
    /// <summary>
    /// Joins, answers every inbox message, hands in its input (<paramref name="submit"/>) once the shares are in — or
    /// disconnects at the first point after which it is in state <paramref name="leaveAt"/>: Joined = as the roster arrives,
    /// before its shares; SharesReceived = before masking; MaskedInputSent = after its masked input went out, so it never
    /// answers the unmask request. Returns the participant's last state.
    /// </summary>
    public static async Task<SecAggParticipantState> RunAsync(
        MosquittoBroker broker,
        string fleet,
        string id,
        int seed,
        SecAggParticipant participant,
        Func<SecAggParticipant, SecAggParticipantStep> submit,
        SecAggParticipantState? leaveAt,
        CancellationToken ct)
    {
        var parser = new WireParser();
        string outbox = TopicScheme.SecAgg(fleet, id);
        await using ReconnectingMqttClient client = await TestClients.ConnectAsync(broker, id, seed, TopicScheme.SecAggInbox(fleet, id));
        await client.PublishAsync(outbox, participant.Join().ToByteArray(), retain: false, ct);
        while (!participant.IsFinished)
        {
            ReceivedMessage message = await client.Inbound.ReadAsync(ct);
            Assert.Equal(TopicScheme.SecAggInbox(fleet, id), message.Topic);
            if (leaveAt == SecAggParticipantState.Joined)
            {
                return participant.State; // gone before answering the roster
            }

            SecAggParticipantStep step = participant.Receive(message.Payload.Span, parser);
            Assert.True(step.Accepted, $"{id}: {step.Rejection}");
            await message.AcknowledgeAsync(ct);
            if (step.Outgoing is { } outgoing)
            {
                await client.PublishAsync(outbox, outgoing.ToByteArray(), retain: false, ct);
            }

            if (participant.State == SecAggParticipantState.SharesReceived)
            {
                if (leaveAt == SecAggParticipantState.SharesReceived)
                {
                    return participant.State; // gone: disconnects before masking
                }

                SecAggParticipantStep masked = submit(participant);
                Assert.True(masked.Accepted, masked.Rejection);
                await client.PublishAsync(outbox, masked.Outgoing!.ToByteArray(), retain: false, ct);
                if (leaveAt == SecAggParticipantState.MaskedInputSent)
                {
                    return participant.State; // gone after masking: its input is in the sum, its unmask answer never comes
                }
            }
        }

        return participant.State;
    }
}
