using FedEdge.Device.Configuration;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Personalization;
using FedEdge.Device.Sampling;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Simulated;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>
/// One personalized (Ditto, λ = 0.1) device run, shared by the tests that check it: the agent and
/// its personalization service start with the broker's port closed and a global model v1
/// installed; the agent enqueues its update for v1; then a virtual day passes offline (24
/// personalization cycles 61 min apart, the device idle on mains); then the broker starts, the
/// agent reconnects and drains its outbox, and a signed global model v2 arrives over MQTT and is
/// merged into the personal model. Every message the agent publishes goes through
/// <see cref="CapturingBroker"/>.
/// </summary>
public sealed class OfflinePersonalizedRun : IAsyncLifetime
{
    public const int OfflineCycles = 24;
    private readonly PersonalizedDevice _device;
    private readonly CapturingBroker _broker;

    public OfflinePersonalizedRun()
    {
        int port = PersonalizedDevice.ClosedPort();
        _device = new PersonalizedDevice(PersonalizationMode.Ditto, port);
        _broker = new CapturingBroker(port);
    }

    public List<ServingChoice> OfflineChoices { get; } = [];

    public List<string> OfflineAccounts { get; } = [];

    /// <summary>The personal parameters after every run that trained (float32, in layout order).</summary>
    public List<float[]> PersonalSnapshots { get; } = [];

    public int PublishedWhileOffline { get; private set; }

    public OutboxUsage OfflineOutbox { get; private set; }

    public IReadOnlyList<OutboxEntry> OfflineOutboxEntries { get; private set; } = [];

    public OutboxUsage DrainedOutbox { get; private set; }

    public PersonalModel BeforeRebase { get; private set; } = null!;

    public PersonalModel AfterRebase { get; private set; } = null!;

    public PersonalModel AfterRetraining { get; private set; } = null!;

    public ServedSnapshot ServedAtEnd { get; private set; } = null!;

    public IReadOnlyList<CapturedMessage> Published => [.. _broker.Published];

    public static string UpdatesTopic => TopicScheme.Updates(PersonalizedDevice.Fleet, PersonalizedDevice.Device);

    public static string StatusTopic => TopicScheme.Status(PersonalizedDevice.Fleet, PersonalizedDevice.Device);

    public static string PredictionsTopic => TopicScheme.Predictions(PersonalizedDevice.Fleet, PersonalizedDevice.Device);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var device = _device;
        device.Install(device.SignedModel(1, seed: 11));
        var latest = new LatestFeatures();
        latest.Set(new SmartHomeActivityGenerator(3).GenerateHome(7, 1).Row(0), device.Time.GetUtcNow());
        var agent = AgentTestHost.Create(device.Options, device.Time, NullLoggerFactory.Instance,
            cpu: device.Cpu, samples: device.Samples, latest: latest, served: device.Served, installed: device.Installed);
        using var personalization = device.Personalization();
        await agent.StartAsync(ct);
        try
        {
            personalization.Open();

            // the agent contributes to v1 once it is idle; the update waits in the outbox (no broker)
            Assert.True(await AdvanceUntilAsync(() => device.Models.LastContributedVersion == 1, TimeSpan.FromSeconds(30), 400), "the agent did not contribute to v1");

            for (int cycle = 0; cycle < OfflineCycles; cycle++)
            {
                device.Time.Advance(TimeSpan.FromMinutes(61));
                OfflineAccounts.Add(await personalization.RunCycleAsync(ct));
                OfflineChoices.Add(device.Served.Current.Choice);
                if (OfflineAccounts[^1].StartsWith("Trained", StringComparison.Ordinal))
                {
                    PersonalSnapshots.Add(personalization.Personal!.Parameters.AsSpan().ToArray());
                }
            }

            PublishedWhileOffline = _broker.Published.Count;
            using (var peek = SqliteOutbox.Open(new OutboxOptions { DatabasePath = Path.Combine(device.Options.StateDirectory, "outbox.db") }, device.Time, NullLogger<SqliteOutbox>.Instance))
            {
                OfflineOutbox = await peek.GetUsageAsync(ct);
                OfflineOutboxEntries = await peek.PeekOldestAsync(1000, ct);
            }

            // the broker returns: the outbox drains, status and predictions go out
            await _broker.StartAsync();
            await _broker.SubscribeAggregatorAsync(TopicScheme.AllUpdatesFilter(PersonalizedDevice.Fleet));
            Assert.True(
                await AdvanceUntilAsync(
                    () => Published.Any(m => m.Topic == UpdatesTopic)
                        && Published.Any(m => m.Topic == PredictionsTopic)
                        && Published.Any(m => m.Topic == StatusTopic && DeviceStatus.Parser.ParseFrom(m.Payload).ServedModel.Length > 0),
                    TimeSpan.FromSeconds(10),
                    1500),
                "the agent did not publish its update, a prediction and a status after the broker returned: " + string.Join(", ", Published.Select(m => m.Topic).Distinct()));

            for (int i = 0; i < 200; i++)
            {
                using (var peek = SqliteOutbox.Open(new OutboxOptions { DatabasePath = Path.Combine(device.Options.StateDirectory, "outbox.db") }, device.Time, NullLogger<SqliteOutbox>.Instance))
                {
                    DrainedOutbox = await peek.GetUsageAsync(ct);
                }

                if (DrainedOutbox.Entries == 0)
                {
                    break;
                }

                device.Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(20, ct);
            }

            // a new global model arrives; one cycle while busy (no training) shows the bare re-base
            BeforeRebase = device.PersonalStore.Load()!;
            device.Cpu.Busy = true;
            var v2 = device.SignedModel(2, seed: 12);
            await _broker.InjectRetainedAsync(TopicScheme.Model(PersonalizedDevice.Fleet), v2.ToByteArray());
            Assert.True(await AdvanceUntilAsync(() => device.Installed.Current?.Version == 2, TimeSpan.FromSeconds(1), 600), "the agent did not install v2"); // stored first, then shared in memory
            await personalization.RunCycleAsync(ct);
            AfterRebase = device.PersonalStore.Load()!;

            device.Cpu.Busy = false;
            device.Time.Advance(TimeSpan.FromHours(2));
            await personalization.RunCycleAsync(ct); // primes the idle tracker after the busy period
            device.Time.Advance(TimeSpan.FromHours(2));
            string account = await personalization.RunCycleAsync(ct);
            if (account.StartsWith("Trained", StringComparison.Ordinal) || account.StartsWith("Interrupted", StringComparison.Ordinal))
            {
                PersonalSnapshots.Add(personalization.Personal!.Parameters.AsSpan().ToArray());
            }

            AfterRetraining = device.PersonalStore.Load()!;
            ServedAtEnd = device.Served.Current;

            // a few more agent ticks with the personal model served, then the outbox must be empty
            await AdvanceUntilAsync(() => false, TimeSpan.FromSeconds(30), 20);
            await personalization.StopAsync(CancellationToken.None);
        }
        finally
        {
            await agent.StopAsync(CancellationToken.None);
            agent.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _device.Dispose();
    }

    private async Task<bool> AdvanceUntilAsync(Func<bool> done, TimeSpan step, int rounds)
    {
        for (int i = 0; i < rounds; i++)
        {
            if (done())
            {
                return true;
            }

            _device.Time.Advance(step);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        return done();
    }
}
