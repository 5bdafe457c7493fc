using FedEdge.Protocol.Wire;

namespace FedEdge.Device.SecureAggregation;

/// <summary>
/// What one input to a <see cref="SecAggParticipant"/> produced: the message to publish on the device's secagg topic
/// (or none), or the reason the input was refused. A refused input changes nothing.
/// </summary>
/// <param name="Outgoing">The message to send, when there is one.</param>
/// <param name="Rejection">Why the input was refused; null when accepted.</param>
public readonly record struct SecAggParticipantStep(SecAggDeviceMessage? Outgoing, string? Rejection)
{
    /// <summary>True when the input was accepted.</summary>
    public bool Accepted => Rejection is null;

    internal static SecAggParticipantStep Send(SecAggDeviceMessage message) => new(message, null);

    internal static SecAggParticipantStep Nothing => new(null, null);

    internal static SecAggParticipantStep Refuse(string reason) => new(null, reason);
}
