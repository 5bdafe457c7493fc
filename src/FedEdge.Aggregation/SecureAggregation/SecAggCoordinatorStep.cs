using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;

namespace FedEdge.Aggregation.SecureAggregation;

/// <summary>A message for one device's inbox (<see cref="TopicScheme.SecAggInbox"/>).</summary>
/// <param name="DeviceId">The recipient.</param>
/// <param name="Message">What to publish there.</param>
public sealed record SecAggOutbound(string DeviceId, SecAggServerMessage Message)
{
    /// <summary>fededge/v1/{fleet}/secagg-inbox/{device}.</summary>
    public string Topic => TopicScheme.SecAggInbox(Message.Fleet, DeviceId);
}

/// <summary>How a group ended: its released mean update, or why nothing was released.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="ModelVersion">The model version its members trained from.</param>
/// <param name="Members">n.</param>
/// <param name="Survivors">Members whose masked input arrived (0 when the group never reached masking).</param>
/// <param name="Mean">The decoded sum divided by the survivors — the group's noisy mean update (d floats); null when abandoned. With FTTE
/// subsets among the survivors (<see cref="SecAggSurvivor.SubsetId"/>) the engine re-divides each coordinate by the survivors that trained it.</param>
/// <param name="ModularSum">The released sum Σ_{survivors} x_u mod 2^b before decoding (D values, noise included); null when abandoned.</param>
/// <param name="AbandonReason">Why nothing was released; null when released.</param>
public sealed record SecAggGroupOutcome(long GroupId, ulong ModelVersion, int Members, int Survivors, float[]? Mean, ushort[]? ModularSum, string? AbandonReason)
{
    /// <summary>The members whose masked input is in the released sum, with the check-in rate each declared (empty when abandoned).</summary>
    public IReadOnlyList<SecAggSurvivor> SurvivingMembers { get; init; } = [];

    /// <summary>True when the group's mean was released.</summary>
    public bool Released => Mean is not null;
}

/// <summary>
/// What one input to the coordinator produced: messages to publish, finished groups, or a refusal. Deadlines are applied
/// before every input, so a refused input's step can still carry messages and outcomes of expired groups: publish them.
/// </summary>
public sealed class SecAggCoordinatorStep
{
    internal SecAggCoordinatorStep(IReadOnlyList<SecAggOutbound> outbound, IReadOnlyList<SecAggGroupOutcome> outcomes, string? rejection)
    {
        Outbound = outbound;
        Outcomes = outcomes;
        Rejection = rejection;
    }

    /// <summary>Messages to publish, in order.</summary>
    public IReadOnlyList<SecAggOutbound> Outbound { get; }

    /// <summary>Groups that ended with this input.</summary>
    public IReadOnlyList<SecAggGroupOutcome> Outcomes { get; }

    /// <summary>Why the input was refused (nothing changed); null when accepted.</summary>
    public string? Rejection { get; }

    /// <summary>True when the input was accepted.</summary>
    public bool Accepted => Rejection is null;
}

/// <summary>A member whose masked input is in a released sum.</summary>
/// <param name="DeviceId">The member (the topic it wrote on, which the broker ties to its certificate).</param>
/// <param name="SamplingRate">q its join declared (1 when it declared none).</param>
/// <param name="ModelVersion">The model version its join said it trained from.</param>
public sealed record SecAggSurvivor(string DeviceId, double SamplingRate, ulong ModelVersion)
{
    /// <summary>The FTTE subset its join said it trained (content hash); empty = all parameters.</summary>
    public ReadOnlyMemory<byte> SubsetId { get; init; }
}
