using System.Security.Cryptography;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Models;
using FedEdge.Device.Personalization;
using FedEdge.Device.Privacy;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Agent;

public sealed class DeviceAgentTests : IDisposable
{
    private const string Fleet = "home";
    private const string Device = "dev-1";
    private readonly TempDirectory _dir = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero));
    private readonly InstalledModelState _installed = new();
    private readonly DeviceAgent _agent;
    private readonly List<DeviceDecision> _decisions = [];

    public DeviceAgentTests()
    {
        var options = new AgentOptions
        {
            DeviceId = Device,
            Fleet = Fleet,
            StateDirectory = _dir.Path,
            Eligibility = new() { PowerStableFor = TimeSpan.Zero, IdleFor = TimeSpan.Zero },
            Training = new() { MinSamples = 10 },
        };
        var randomness = new DeviceRandomness(null, RandomNumberGenerator.Create(), new Random(1));
        _agent = DeviceAgent.Open(options, PinnedModelKey.FromKey(_key), randomness, _time, NullLoggerFactory.Instance, _installed);
        _agent.Decided += _decisions.Add;
    }

    [Fact]
    public void A_device_whose_ledger_is_refused_keeps_running_but_does_not_train_and_says_why()
    {
        _agent.Dispose();
        File.Delete(Path.Combine(_dir.Path, "privacy.ledger"));
        File.Delete(Path.Combine(_dir.Path, "privacy.spent")); // the outbox stays: the device has run, its spend is unknown
        var randomness = new DeviceRandomness(null, RandomNumberGenerator.Create(), new Random(1));
        using var agent = DeviceAgent.Open(_agent.Options, PinnedModelKey.FromKey(_key), randomness, _time, NullLoggerFactory.Instance);
        agent.Offer(Model(1));

        var decision = agent.Evaluate(Plugged());

        Assert.False(decision.Eligible);
        Assert.StartsWith("Privacy ledger refused:", agent.Ledger.Refusal, StringComparison.Ordinal);
        Assert.Equal(0, agent.Ledger.RemainingEpsilon);
        var diagnostics = agent.Diagnostics(agent.State, new ServedModelState().Current, 0);
        Assert.Equal(agent.Ledger.Refusal, diagnostics.Ledger);
        Assert.Contains("reset-ledger", diagnostics.Reason, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _agent.Dispose();
        _key.Dispose();
        _dir.Dispose();
    }

    private static DeviceSignals Plugged(int samples = 100) => new(Idle: true, Power: PowerState.Charging, TemperatureCelsius: 40, SamplesAvailable: samples);

    private GlobalModel Model(ulong version, ECDsa? key = null)
    {
        var architecture = ModelArchitecture.Parse("logreg-14-5");
        var parameters = architecture.InitialParameters(new Random((int)version));
        var codec = new DenseFloat32Codec();
        byte[] bytes = new byte[codec.MaxEncodedSize(architecture.Layout)];
        int written = codec.Encode(parameters.AsSpan(), architecture.Layout, bytes);
        return new ModelSigner(key ?? _key).Sign(new GlobalModel
        {
            ProtocolMajor = ProtocolVersion.Major,
            Version = version,
            Fleet = Fleet,
            Architecture = architecture.ToString(),
            ArchitectureHash = ByteString.CopyFrom(Convert.FromHexString(architecture.Hash())),
            ParametersEncoding = PayloadEncoding.DenseFloat32,
            Parameters = ByteString.CopyFrom(bytes, 0, written),
            CreatedAtUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        });
    }

    [Fact]
    public void An_offered_model_is_verified_stored_and_decoded_once_into_the_shared_installed_model()
    {
        Assert.Equal(ModelOffer.Installed, _agent.Offer(Model(1)));

        var installed = _installed.Current;
        Assert.NotNull(installed);
        Assert.Same(installed, _agent.Installed);
        Assert.Equal(1ul, installed.Version);
        Assert.Equal(1ul, new AcceptedModelStore(Path.Combine(_dir.Path, "model")).LastAcceptedVersion);
        Assert.Equal(ModelOffer.AlreadyInstalled, _agent.Offer(Model(1)));
        Assert.Same(installed, _installed.Current);
    }

    [Fact]
    public void A_model_signed_by_another_key_or_older_than_the_installed_one_is_refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(ModelOffer.Refused, _agent.Offer(Model(1, other)));
        Assert.Equal(ModelOffer.Installed, _agent.Offer(Model(3)));

        Assert.Equal(ModelOffer.Refused, _agent.Offer(Model(2)));

        Assert.Equal(3ul, _agent.Installed!.Version);
        Assert.Equal(2, _decisions.Count(d => d.Kind == DeviceDecisionKind.ModelRefused));
    }

    [Fact]
    public void Without_a_pace_every_device_is_invited()
    {
        Assert.True(_agent.Invited());
    }

    [Fact]
    public void A_buffered_pace_invites_while_updates_are_wanted()
    {
        _agent.ObservePace(new Pace { Fleet = Fleet, UpdatesWanted = 2 });
        Assert.True(_agent.Invited());

        _agent.ObservePace(new Pace { Fleet = Fleet, UpdatesWanted = 0 });
        Assert.False(_agent.Invited());
    }

    [Fact]
    public void A_FedAvg_round_invites_only_its_cohort()
    {
        _agent.ObservePace(new Pace { Fleet = Fleet, UpdatesWanted = 2, Round = 4, Cohort = { "dev-2", "dev-3" } });
        Assert.False(_agent.Invited());

        _agent.ObservePace(new Pace { Fleet = Fleet, UpdatesWanted = 2, Round = 5, Cohort = { "dev-2", Device } });
        Assert.True(_agent.Invited());
    }

    [Fact]
    public void A_device_with_a_newer_model_enough_samples_power_and_budget_is_eligible()
    {
        _agent.Offer(Model(1));

        var decision = _agent.Evaluate(Plugged());

        Assert.True(decision.Eligible, decision.ToString());
        Assert.Equal(DeviceState.Idle, _agent.State);
    }

    [Fact]
    public void Without_check_ins_being_eligible_charges_nothing()
    {
        _agent.Offer(Model(1));

        Assert.True(_agent.Evaluate(Plugged()).Eligible);

        Assert.False(_agent.CheckIn.Enabled);
        Assert.Empty(_agent.Ledger.Entries);
    }

    [Fact]
    public void With_check_ins_an_eligible_device_is_charged_each_offered_version_once_and_trains_only_on_yes()
    {
        _agent.Dispose();
        var options = _agent.Options;
        options.Privacy.CheckInRate = 0.5;
        var randomness = new DeviceRandomness(null, RandomNumberGenerator.Create(), new Random(1), RandomNumberGenerator.Create());
        using var agent = DeviceAgent.Open(options, PinnedModelKey.FromKey(_key), randomness, _time, NullLoggerFactory.Instance);
        for (ulong v = 1; v <= 40; v++)
        {
            agent.Offer(Model(v));
            var first = agent.Evaluate(Plugged());
            var again = agent.Evaluate(Plugged());

            Assert.Equal(first.Eligible, again.Eligible);
            Assert.Equal(first.Eligible, agent.CheckIn.Joined(v));
            Assert.True(first.Eligible || first.Kinds == EligibilityBlockers.CheckInDeclined, first.ToString());
            Assert.Equal(DeviceState.Idle, agent.State); // what the aggregator hears does not tell the coin
        }

        Assert.Equal(Enumerable.Range(1, 40).Select(v => (long)v), agent.Ledger.Entries.Select(e => e.ModelVersion));
        Assert.All(agent.Ledger.Entries, e => Assert.Equal((MechanismKind.CheckInOffer, 0.5), (e.Kind, e.SamplingRate)));
        var diagnostics = agent.Diagnostics(agent.State, new ServedModelState().Current, 0);
        Assert.Equal(0.5, diagnostics.CheckInRate);
        Assert.Equal(agent.Ledger.Spent().Epsilon, diagnostics.EpsilonSpent);
        Assert.Equal(0, diagnostics.EpsilonAgainstAggregator); // nothing released yet
    }

    [Fact]
    public void A_device_without_a_model_on_battery_reports_that_it_waits_for_power()
    {
        var decision = _agent.Evaluate(Plugged() with { Power = PowerState.OnBattery });

        Assert.Equal(EligibilityBlockers.NoModel, decision.Kinds);
        Assert.Equal(DeviceState.ChargingWait, _agent.State);
        Assert.Equal(DeviceState.ChargingWait, _agent.Status(_agent.State, PowerState.OnBattery, ServedSnapshot.Initial).State);
    }

    [Fact]
    public void Too_few_samples_block_the_contribution()
    {
        _agent.Offer(Model(1));

        var decision = _agent.Evaluate(Plugged(samples: 3));

        Assert.True(decision.Kinds.HasFlag(EligibilityBlockers.NoWork), decision.ToString());
    }

    [Fact]
    public void The_status_carries_the_installed_version_the_budget_left_and_the_memory_class()
    {
        _agent.Offer(Model(2));

        var status = _agent.Status(DeviceState.Idle, PowerState.Charging, ServedSnapshot.Initial);

        Assert.Equal(Device, status.DeviceId);
        Assert.Equal(2ul, status.ModelVersion);
        Assert.Equal(_agent.Ledger.RemainingEpsilon, status.PrivacyEpsilonLeft);
        Assert.Equal("pi4", status.MemoryClass);
        Assert.True(status.Charging);
    }
}
