using System.Security.Cryptography;
using FedEdge.Aggregation.SecureAggregation;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.SecureAggregation;
using FedEdge.Device.SecureAggregation;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.SecureAggregation;

/// <summary>
/// n <see cref="SecAggParticipant"/>s and one <see cref="SecAggGroupCoordinator"/> in memory, every message serialized
/// and parsed by <see cref="WireParser"/> in both directions (as over MQTT), a fake clock, and a switch per device that
/// cuts it off (its messages are lost both ways, like a device that went offline).
/// </summary>
internal sealed class SecAggGroupHarness : IDisposable
{
    public const string Fleet = "home-fleet";
    public const ulong Version = 7;

    private readonly Dictionary<string, Queue<byte[]>> _inboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SecAggServerMessage> _rosters = new(StringComparer.Ordinal);
    private readonly RandomNumberGenerator _rng;

    public SecAggGroupHarness(
        int n, int degree, int threshold, int minimumSurvivors, DistributedDiscreteGaussianParameters encoding, int seed, int maxOpenGroups = 4, Func<int, SecAggNeighbourhoodPlan>? shortGroupPlan = null,
        Func<int, ulong>? versionOf = null)
    {
        _rng = new SeededRandomNumberGenerator(seed);
        Options = new SecAggCoordinatorOptions
        {
            Fleet = Fleet,
            GroupSize = n,
            Degree = degree,
            Threshold = threshold,
            MinimumSurvivors = minimumSurvivors,
            Encoding = encoding,
            MaxOpenGroups = maxOpenGroups,
            ShortGroupPlan = shortGroupPlan,
        };
        Coordinator = new SecAggGroupCoordinator(Options, _rng, Time);
        Ids = [.. Enumerable.Range(0, n).Select(i => $"device-{i:D3}")];
        Devices = [.. Ids.Select((id, i) => new SecAggParticipant(Fleet, id, versionOf?.Invoke(i) ?? Version, new SecAggParticipantOptions(), _rng, Time))];
        foreach (string id in Ids)
        {
            _inboxes[id] = new Queue<byte[]>();
        }
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));

    public WireParser Parser { get; } = new();

    public SecAggCoordinatorOptions Options { get; }

    public SecAggGroupCoordinator Coordinator { get; }

    public string[] Ids { get; }

    public SecAggParticipant[] Devices { get; }

    public HashSet<int> Offline { get; } = [];

    public List<SecAggGroupOutcome> Outcomes { get; } = [];

    /// <summary>Every masked input the coordinator was handed, as received (the payload bytes).</summary>
    public List<byte[]> MaskedPayloads { get; } = [];

    /// <summary>Every refusal the coordinator or a participant gave, for assertion messages.</summary>
    public List<string> Refusals { get; } = [];

    /// <summary>The group's encoding, once the roster is out.</summary>
    public DistributedDiscreteGaussianParameters Encoding => Devices[0].Encoding ?? throw new InvalidOperationException("No roster yet.");

    public SecAggCoordinatorStep SendRaw(int device, byte[] payload)
    {
        SecAggCoordinatorStep step = Coordinator.Receive(Ids[device], payload);
        Route(step);
        return step;
    }

    public void Send(int device, SecAggDeviceMessage message)
    {
        if (Offline.Contains(device))
        {
            return;
        }

        byte[] payload = message.ToByteArray();
        if (message.BodyCase == SecAggDeviceMessage.BodyOneofCase.MaskedInput)
        {
            MaskedPayloads.Add(payload);
        }

        SecAggCoordinatorStep step = SendRaw(device, payload);
        if (step.Rejection is { } reason)
        {
            Refusals.Add($"coordinator refused {Ids[device]}: {reason}");
        }
    }

    public void Route(SecAggCoordinatorStep step)
    {
        foreach (SecAggOutbound outbound in step.Outbound)
        {
            if (outbound.Message.BodyCase == SecAggServerMessage.BodyOneofCase.Roster)
            {
                _rosters[outbound.DeviceId] = outbound.Message;
            }

            _inboxes[outbound.DeviceId].Enqueue(outbound.Message.ToByteArray());
        }

        Outcomes.AddRange(step.Outcomes);
    }

    /// <summary>Delivers inbox messages to the online devices and their answers to the coordinator until nothing moves.</summary>
    public void Pump()
    {
        bool moved = true;
        while (moved)
        {
            moved = false;
            for (int i = 0; i < Devices.Length; i++)
            {
                Queue<byte[]> inbox = _inboxes[Ids[i]];
                while (inbox.Count > 0)
                {
                    byte[] payload = inbox.Dequeue();
                    if (Offline.Contains(i))
                    {
                        continue;
                    }

                    moved = true;
                    SecAggParticipantStep step = Devices[i].Receive(payload, Parser);
                    if (step.Rejection is { } reason)
                    {
                        Refusals.Add($"{Ids[i]} refused: {reason}");
                    }

                    if (step.Outgoing is { } outgoing)
                    {
                        Send(i, outgoing);
                    }
                }
            }
        }
    }

    /// <summary>The roster the coordinator sent to device <paramref name="device"/>.</summary>
    public SecAggServerMessage RosterOf(int device) => _rosters[Ids[device]];

    /// <summary>The pending inbox messages of one device, parsed (for tests that answer by hand).</summary>
    public List<SecAggServerMessage> TakeInbox(int device)
    {
        var messages = new List<SecAggServerMessage>();
        Queue<byte[]> inbox = _inboxes[Ids[device]];
        while (inbox.Count > 0)
        {
            messages.Add(SecAggServerMessage.Parser.ParseFrom(inbox.Dequeue()));
        }

        return messages;
    }

    public void JoinAll()
    {
        for (int i = 0; i < Devices.Length; i++)
        {
            Send(i, Devices[i].Join());
        }

        Pump();
    }

    /// <summary>Hands each online device its encoded vector (the exact-sum tests: no noise is added here) and delivers everything.</summary>
    public void SubmitEncoded(IReadOnlyList<ushort[]> encoded)
    {
        SendMaskedInputs(encoded);
        Pump();
    }

    /// <summary>As <see cref="SubmitEncoded"/>, but what the coordinator answers (the unmask requests) stays in the inboxes.</summary>
    public void SendMaskedInputs(IReadOnlyList<ushort[]> encoded)
    {
        for (int i = 0; i < Devices.Length; i++)
        {
            if (Offline.Contains(i))
            {
                continue;
            }

            SecAggParticipantStep step = Devices[i].SubmitEncoded(encoded[i]);
            Assert.True(step.Accepted, step.Rejection);
            if (step.Outgoing is { } outgoing)
            {
                Send(i, outgoing);
            }
        }
    }

    /// <summary>Moves the clock past the coordinator's next deadline and applies it.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        Route(Coordinator.Tick());
        Pump();
    }

    public void Dispose()
    {
        foreach (SecAggParticipant device in Devices)
        {
            device.Dispose();
        }

        Coordinator.Dispose();
        _rng.Dispose();
    }
}
