using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using System.Text;
using System.Text.Json;
using FedEdge.Device.Diagnostics;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Personalization;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>
/// What the agent service publishes about itself, through an in-process broker that records every message: the
/// announcement on every (re)connect (availability, status, diagnostics, Home Assistant entities), their removal with
/// predictions off, the goodbye at a graceful stop, and the eligibility log lines.
/// </summary>
public sealed class AgentAnnouncementTests : IAsyncLifetime
{
    private const int EntityCount = 9;
    private readonly PersonalizedDevice _device;
    private readonly CapturingBroker _broker;
    private readonly RecordingLoggerFactory _logs = new();

    public AgentAnnouncementTests()
    {
        int port = PersonalizedDevice.ClosedPort();
        _device = new PersonalizedDevice(PersonalizationMode.None, port);
        _broker = new CapturingBroker(port);
    }

    private static string AvailabilityTopic => TopicScheme.Availability(PersonalizedDevice.Fleet, PersonalizedDevice.Device);

    private static string DiagnosticsTopic => TopicScheme.Diagnostics(PersonalizedDevice.Fleet, PersonalizedDevice.Device);

    private static string StatusTopic => TopicScheme.Status(PersonalizedDevice.Fleet, PersonalizedDevice.Device);

    private List<CapturedMessage> Mine => [.. _broker.Published.Where(m => m.ClientId == PersonalizedDevice.Device)];

    private List<CapturedMessage> Configs => [.. Mine.Where(m => m.Topic.StartsWith("homeassistant/sensor/", StringComparison.Ordinal))];

    public async ValueTask InitializeAsync() => await _broker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _device.Dispose();
    }

    [Fact]
    public async Task On_connect_the_agent_announces_availability_status_diagnostics_and_every_entity_before_any_prediction()
    {
        var agent = await StartAsync();
        try
        {
            Assert.True(await UntilAsync(() => Configs.Count >= EntityCount), Topics());

            var mine = Mine;
            Assert.Equal(AvailabilityTopic, mine[0].Topic);
            Assert.Equal("online", Encoding.UTF8.GetString(mine[0].Payload));
            Assert.Contains(mine, m => m.Topic == StatusTopic && DeviceStatus.Parser.ParseFrom(m.Payload).State == DeviceState.Idle);
            var problems = HomeAssistantDiscoverySchema.CheckAll(Configs.Select(c => (c.Topic, c.Payload)));
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
            Assert.DoesNotContain(mine, m => m.Topic.Contains("/predictions/", StringComparison.Ordinal));

            var diagnostics = Assert.Single(mine, m => m.Topic == DiagnosticsTopic);
            var trainingState = Configs.Single(c => c.Topic.Contains("/training_state/", StringComparison.Ordinal));
            Assert.Empty(HomeAssistantDiscoverySchema.CheckEnumState(trainingState.Topic, JsonDocument.Parse(trainingState.Payload).RootElement, diagnostics.Payload));
        }
        finally
        {
            await StopAsync(agent);
        }
    }

    [Fact]
    public async Task After_the_broker_comes_back_the_agent_announces_again()
    {
        var agent = await StartAsync();
        try
        {
            Assert.True(await UntilAsync(() => Configs.Count >= EntityCount), Topics());

            await _broker.DisposeAsync();
            await _broker.StartAsync();

            Assert.True(await UntilAsync(() => Configs.Count >= 2 * EntityCount, advance: TimeSpan.FromSeconds(1)), Topics());
            Assert.Equal(2, Mine.Count(m => m.Topic == AvailabilityTopic && Encoding.UTF8.GetString(m.Payload) == "online"));
        }
        finally
        {
            await StopAsync(agent);
        }
    }

    [Fact]
    public async Task With_predictions_off_every_connect_removes_the_entities_and_still_says_it_is_online()
    {
        _device.Options.Prediction.Enabled = false;
        var agent = await StartAsync();
        try
        {
            Assert.True(await UntilAsync(() => Configs.Count >= EntityCount), Topics());

            Assert.All(Configs, c => Assert.Empty(c.Payload));
            Assert.Equal(EntityCount, Configs.Select(c => c.Topic).Distinct().Count());
            Assert.Contains(Mine, m => m.Topic == AvailabilityTopic && Encoding.UTF8.GetString(m.Payload) == "online");
            Assert.Contains(Mine, m => m.Topic == DiagnosticsTopic);
        }
        finally
        {
            await StopAsync(agent);
        }
    }

    [Fact]
    public async Task A_graceful_stop_says_offline_in_status_diagnostics_and_availability_and_saves_the_diagnostics()
    {
        var agent = await StartAsync();
        Assert.True(await UntilAsync(() => Configs.Count >= EntityCount), Topics());

        await StopAsync(agent);

        var mine = Mine;
        Assert.Equal("offline", Encoding.UTF8.GetString(mine.Last(m => m.Topic == AvailabilityTopic).Payload));
        Assert.Equal(DeviceState.Offline, DeviceStatus.Parser.ParseFrom(mine.Last(m => m.Topic == StatusTopic).Payload).State);
        Assert.True(DeviceDiagnosticsJson.TryRead(mine.Last(m => m.Topic == DiagnosticsTopic).Payload, out var said, out _));
        Assert.Equal("offline", said.State);
        Assert.Equal("offline", new DiagnosticsFile(_device.Options.StateDirectory).TryRead(out _)!.State);
    }

    [Fact]
    public async Task Eligibility_is_logged_at_information_once_per_change_with_the_reason()
    {
        var agent = await StartAsync();
        try
        {
            Assert.True(await UntilAsync(() => Configs.Count >= EntityCount), Topics());

            // many ticks without a model: one line
            for (int i = 0; i < 6; i++)
            {
                _device.Time.Advance(_device.Options.CheckInterval);
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            Assert.True(await UntilAsync(() => EligibilityLines().Count >= 1, advance: TimeSpan.Zero), string.Join(" | ", EligibilityLines()));
            Assert.Equal(["Not training: no global model received yet"], EligibilityLines());

            await _broker.InjectRetainedAsync(TopicScheme.Model(PersonalizedDevice.Fleet), _device.SignedModel(1, seed: 11).ToByteArray());
            Assert.True(await UntilAsync(() => _device.Models.LastContributedVersion == 1, advance: _device.Options.CheckInterval, rounds: 600), string.Join(" | ", EligibilityLines()));
            for (int i = 0; i < 6; i++)
            {
                _device.Time.Advance(_device.Options.CheckInterval);
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            Assert.True(await UntilAsync(() => EligibilityLines()[^1].Contains("already contributed", StringComparison.Ordinal), advance: _device.Options.CheckInterval), string.Join(" | ", EligibilityLines()));
            var lines = EligibilityLines();
            Assert.Equal("Not training: no global model received yet", lines[0]);
            Assert.Single(lines, l => l == "Eligible: training on global model v1");
            Assert.Equal("Not training: already contributed to global model v1; waiting for a newer one", lines[^1]);
            Assert.InRange(lines.Count, 3, 4); // "not idle" in between when the idle tracker had one CPU sample only
            for (int i = 1; i < lines.Count; i++)
            {
                Assert.NotEqual(lines[i - 1], lines[i]);
            }

            var diagnostics = Mine.Where(m => m.Topic == DiagnosticsTopic).Select(m => DeviceDiagnosticsJson.TryRead(m.Payload, out var d, out _) ? d : null).Last()!;
            Assert.Equal(["already_contributed"], diagnostics.Blockers);
            Assert.NotNull(diagnostics.LastContribution);
            Assert.True(diagnostics.EpsilonSpent > 0);
            Assert.Equal(1UL, diagnostics.ModelVersion);
        }
        finally
        {
            await StopAsync(agent);
        }
    }

    private List<string> EligibilityLines() =>
        [.. _logs.For<DeviceAgent>().Entries
            .Where(e => e.Id.Id is 4 or 16)
            .Select(e =>
            {
                Assert.Equal(LogLevel.Information, e.Level);
                return e.Message;
            })];

    private async Task<AgentTestHost> StartAsync()
    {
        var agent = AgentTestHost.Create(_device.Options, _device.Time, _logs, cpu: _device.Cpu, samples: _device.Samples, served: _device.Served);
        await agent.StartAsync(TestContext.Current.CancellationToken);
        return agent;
    }

    private static async Task StopAsync(AgentTestHost agent)
    {
        await agent.StopAsync(CancellationToken.None);
        agent.Dispose();
    }

    private string Topics() => string.Join(", ", Mine.Select(m => m.Topic));

    /// <summary>Polls <paramref name="done"/>, advancing the fake clock by <paramref name="advance"/> between polls.</summary>
    private async Task<bool> UntilAsync(Func<bool> done, TimeSpan? advance = null, int rounds = 500)
    {
        for (int i = 0; i < rounds; i++)
        {
            if (done())
            {
                return true;
            }

            if (advance is { } step && step > TimeSpan.Zero)
            {
                _device.Time.Advance(step);
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return done();
    }
}
