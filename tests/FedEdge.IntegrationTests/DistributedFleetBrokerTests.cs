using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Aggregation.Node;
using FedEdge.Aggregator.Hosting;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Privacy;
using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Contribution;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Privacy;
using FedEdge.Device.SecureAggregation;
using FedEdge.Hosting.Configuration;
using FedEdge.IntegrationTests.Broker;
using FedEdge.IntegrationTests.Deploy;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.IntegrationTests;

/// <summary>
/// The user's path in <c>Privacy:Mode = Distributed</c>, end to end over mosquitto with TLS, one certificate per device and
/// the shipped ACL: the hosted aggregator composed as <c>fededge-aggregator</c> composes it, from the shipped
/// deploy/aggregator/aggregator.json plus the command-line settings a user adds for distributed mode; ten hosted
/// <c>AgentService</c>s with <c>Agent:Privacy:Mode = Distributed</c> (q = 1); and one bare device that leaves after its
/// masked input, so the group is unmasked around it at the unmask deadline. Real time throughout (MQTT, TLS and the
/// agents' training do not run on a fake clock); the deadlines are short through the aggregator's settings.
/// </summary>
public sealed class DistributedFleetBrokerTests : IAsyncLifetime
{
    private const string Fleet = "home"; // the shipped aggregator.json's
    private const int Agents = 10;
    private const int GroupSize = Agents + 1;
    private const string Dropper = "home-dropper";
    private const string Spy = "home-spy";
    private const double Z = 3.0; // the shipped Privacy:NoiseMultiplier
    private const double ClipNorm = 1.0;
    private const double Delta = 1e-5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(50);

    private readonly TempDirectory _dir = new();
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _broker.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Ten_agents_and_the_shipped_aggregator_release_a_group_over_mosquitto_and_both_ledgers_charge_one_round()
    {
        var ct = TestContext.Current.CancellationToken;
        var watch = Stopwatch.StartNew();

        // a budget for one round at q = 1, not two, on both ends ("change both together", deploy/aggregator/README.md)
        var accountant = new RdpAccountant();
        double one = accountant.Convert(accountant.ComputeRdp(new SubsampledGaussian(1.0, Z, 1)), Delta).Epsilon;
        double two = accountant.Convert(accountant.ComputeRdp(new SubsampledGaussian(1.0, Z, 2)), Delta).Epsilon;
        double budget = (one + two) / 2;

        using IHost aggregatorHost = BuildAggregator(budget, out string signingKeyPem);
        await aggregatorHost.StartAsync(ct);
        var service = aggregatorHost.Services.GetServices<IHostedService>().OfType<AggregatorService>().Single();
        var node = service.Node!;
        var decisions = new ConcurrentQueue<AggregatorDecision>();
        node.Decided += decisions.Enqueue;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        done.CancelAfter(Patience);

        // what is published before the aggregator's subscriptions are in place is dropped by the broker (not retained)
        await UntilAsync(() => service.Connections > 0, () => "the aggregator never connected", done.Token);
        Assert.Equal(GroupSize, node.SecAggOptions!.GroupSize);
        Assert.Contains(TopicScheme.AllSecAggFilter(Fleet), node.Subscriptions);

        // a device of the fleet listening to another device's inbox (mosquitto's acl_file grants the subscription and
        // refuses delivery), and sending a plain update, which the aggregator must refuse unread
        await using ReconnectingMqttClient spy = await TestClients.ConnectAsync(
            _broker, Spy, 99, TopicScheme.SecAggInbox(Fleet, AgentId(0)), TopicScheme.SecAggInbox(Fleet, Dropper), $"fededge/v1/{Fleet}/secagg-inbox/#");
        await spy.PublishAsync(TopicScheme.Updates(Fleet, Spy), "a plain update"u8.ToArray(), retain: false, ct);

        // the bare device joins model v1 at once, so it is in the first group; it leaves after masking
        using var dropper = new SecAggParticipant(Fleet, Dropper, 1, new SecAggParticipantOptions { MinimumNoiseMultiplier = Z }, RandomNumberGenerator.Create(), TimeProvider.System);
        var random = new Random(7);
        float[] dropperUpdate = [.. Enumerable.Range(0, node.Engine.Architecture.Layout.TotalLength).Select(_ => (float)((random.NextDouble() - 0.5) * 0.02))];
        Task<SecAggParticipantState> dropperRun = SecAggBrokerDevice.RunAsync(
            _broker, Fleet, Dropper, 98, dropper, p => p.SubmitUpdate(dropperUpdate), SecAggParticipantState.MaskedInputSent, done.Token);

        string keyPath = _dir.WriteText("model-signing.pub.pem", signingKeyPem);
        var agents = new List<AgentTestHost>();
        var agentDecisions = new ConcurrentQueue<(string Device, DeviceDecision Decision)>();
        try
        {
            for (int i = 0; i < Agents; i++)
            {
                string id = AgentId(i);
                var host = AgentTestHost.Create(AgentOptionsFor(id, keyPath, budget), TimeProvider.System, NullLoggerFactory.Instance);
                host.Agent.Decided += d => agentDecisions.Enqueue((id, d));
                agents.Add(host);
                await host.StartAsync(ct);
            }

            await UntilAsync(() => decisions.Any(d => d.Kind is AggregatorDecisionKind.SecAggGroupReleased or AggregatorDecisionKind.SecAggGroupAbandoned), Trace, done.Token);
            Assert.Equal(SecAggParticipantState.MaskedInputSent, await dropperRun);

            // the released mean stepped the model; every agent installs v2 and then stops at its budget
            await UntilAsync(() => agents.All(a => a.Agent.Installed?.Version == 2 && a.Agent.State == FedEdge.Protocol.Wire.DeviceState.BudgetExhausted), Trace, done.Token);
            Assert.Equal(2, node.Engine.CurrentVersion);

            AggregatorDecision released = Assert.Single(decisions, d => d.Kind == AggregatorDecisionKind.SecAggGroupReleased);
            Assert.Contains($"survivors {GroupSize}/{GroupSize}", released.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain("not applied", released.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain(decisions, d => d.Kind is AggregatorDecisionKind.SecAggGroupAbandoned or AggregatorDecisionKind.SecAggRefused or AggregatorDecisionKind.UpdateAccepted);
            AggregatorDecision plain = Assert.Single(decisions, d => d.Kind == AggregatorDecisionKind.UpdateRejected);
            Assert.Equal((Spy, nameof(RejectionReason.SecureAggregationRequired)), (plain.Device, plain.Detail));

            // both ledgers charge one round at (q = 1, z): the device's write-ahead record, the aggregator's per-member charge
            foreach (var (host, i) in agents.Select((h, i) => (h, i)))
            {
                string id = AgentId(i);
                LedgerEntry entry = Assert.Single(host.Agent.Ledger.Entries);
                Assert.Equal((MechanismKind.UserLevelGaussian, 1.0, Z, 1L, 1L), (entry.Kind, entry.SamplingRate, entry.NoiseMultiplier, entry.Steps, entry.ModelVersion));
                Assert.Equal(one, host.Agent.Ledger.Spent().Epsilon, 1e-9);
                Assert.Equal(one, node.Engine.PrivacySpent(id), 1e-9);
                Assert.Empty(await host.Agent.Outbox.PeekOldestAsync(10, ct)); // never a plain update
                Assert.Contains(agentDecisions, d => d.Device == id && d.Decision.Kind == DeviceDecisionKind.SecureAggregationEnded
                    && d.Decision.Detail.StartsWith(nameof(SecAggParticipantState.Answered), StringComparison.Ordinal));
            }

            Assert.Equal(one, node.Engine.PrivacySpent(Dropper), 1e-9); // its input is in the sum
            Assert.Equal(0.0, node.Engine.PrivacySpent(Spy));
            Assert.False(spy.Inbound.TryRead(out ReceivedMessage? leaked), $"the spy read {leaked?.Topic}");
        }
        finally
        {
            foreach (var host in agents)
            {
                await host.StopAsync(CancellationToken.None);
                await host.DisposeAsync();
            }

            await aggregatorHost.StopAsync(CancellationToken.None);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the run took {watch.Elapsed}");
        TestContext.Current.SendDiagnosticMessage($"distributed fleet over mosquitto: {watch.Elapsed.TotalSeconds:F1} s");

        string Trace() => string.Join(Environment.NewLine, decisions.Select(d => $"{d.Kind} {d.Device} v{d.ModelVersion} {d.Detail}")
            .Concat(agentDecisions.Select(d => $"{d.Device}: {d.Decision.Kind} v{d.Decision.ModelVersion} {d.Decision.Detail}")));
    }

    private static string AgentId(int i) => $"home-{i:D2}";

    /// <summary>
    /// fededge-aggregator as Program.cs composes it (ServiceStartup, then AddFedEdgeAggregator), configured from the shipped
    /// deploy/aggregator/aggregator.json (paths under a temporary root, broker pointed at the test's) and the settings a
    /// user adds on the command line for distributed mode.
    /// </summary>
    private IHost BuildAggregator(double budget, out string signingKeyPem)
    {
        string root = _dir.File("aggregator-host");
        string etc = Path.Combine(root, "etc", "fededge");
        Directory.CreateDirectory(etc);
        File.Copy(_broker.Pki.CaCertificatePath, Path.Combine(etc, "ca.crt"));
        var certificate = _broker.Pki.Client("aggregator");
        File.Copy(certificate.CertificatePath, Path.Combine(etc, "aggregator.crt"));
        File.Copy(certificate.KeyPath, Path.Combine(etc, "aggregator.key"));
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(Path.Combine(etc, "model-signing.key"), key.ExportPkcs8PrivateKeyPem());
            signingKeyPem = key.ExportSubjectPublicKeyInfoPem();
        }

        string file = Path.Combine(etc, "aggregator.json");
        File.WriteAllText(file, ShippedFiles.Render(File.ReadAllText(RepositoryRoot.File("deploy", "aggregator", "aggregator.json")), root, "127.0.0.1", _broker.Port));
        string[] args =
        [
            "--config", file,
            "--Aggregator:Engine:Privacy:Mode=Distributed",
            $"--Aggregator:Engine:BufferSize={GroupSize}",
            "--Aggregator:Engine:Privacy:Epsilon=" + budget.ToString("R", CultureInfo.InvariantCulture),
            "--Aggregator:Engine:Privacy:SecAggSharesTimeout=00:00:05",
            "--Aggregator:Engine:Privacy:SecAggMaskedInputTimeout=00:00:05",
            "--Aggregator:Engine:Privacy:SecAggUnmaskTimeout=00:00:02",
            "--Aggregator:TickInterval=00:00:00.100",
            "--Aggregator:MetricsPort=0",
            "--Logging:LogLevel:Default=Warning",
        ];
        var sources = new ServiceConfigurationSources
        {
            ServiceName = "fededge-aggregator",
            SectionName = "Aggregator",
            SystemFile = Path.Combine(root, "no-system-file.json"),

            // in process, "appsettings.json beside the executable" is the agent's, copied beside the test assembly
            OtherSections = ["Logging", "Agent"],
        };
        var startup = ServiceStartup.Prepare(sources, "usage", args, [], Bind, new AggregatorServiceOptionsValidator(), TextWriter.Null, TextWriter.Null);
        Assert.True(startup.Problems.Count == 0, string.Join(Environment.NewLine, startup.Problems));
        var builder = startup.Builder!;
        builder.Services.AddFedEdgeAggregator(builder.Configuration.GetSection(sources.SectionName));
        return builder.Build();

        static AggregatorServiceOptions Bind(IConfigurationSection section)
        {
            var options = new AggregatorServiceOptions();
            section.Bind(options);
            return options;
        }
    }

    /// <summary>A hosted agent (simulated sensors, mains power, quick checks) with its privacy bound from the keys a user sets.</summary>
    private AgentOptions AgentOptionsFor(string id, string modelKeyPath, double budget)
    {
        var options = new AgentOptions
        {
            DeviceId = id,
            Fleet = Fleet,
            StateDirectory = _dir.File(id),
            ModelSigningPublicKeyPath = modelKeyPath,
            Mqtt = TestClients.Options(_broker, id, _broker.Pki.Client(id)),
            SimulatedSensors = true,
            Power = new() { Source = PowerSourceKind.Mains },
            Eligibility = new() { IdleLoadThreshold = 1.0, IdleFor = TimeSpan.Zero, PowerStableFor = TimeSpan.Zero },
            Training = new() { MinSamples = 50, MaxSamples = 200, BatchSize = 32 },
            CheckInterval = TimeSpan.FromMilliseconds(100),
        };
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Agent:Privacy:Mode"] = "Distributed",
            ["Agent:Privacy:ClipNorm"] = ClipNorm.ToString("R", CultureInfo.InvariantCulture),
            ["Agent:Privacy:NoiseMultiplier"] = Z.ToString("R", CultureInfo.InvariantCulture),
            ["Agent:Privacy:Epsilon"] = budget.ToString("R", CultureInfo.InvariantCulture),
            ["Agent:Privacy:Delta"] = Delta.ToString("R", CultureInfo.InvariantCulture),
        }).Build().GetSection("Agent:Privacy").Bind(options.Privacy);
        Assert.Equal(ContributionPrivacy.Distributed, options.Privacy.Mode);
        var validation = new AgentOptionsValidator().Validate(null, options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        return options;
    }

    private static async Task UntilAsync(Func<bool> condition, Func<string> trace, CancellationToken ct)
    {
        while (!condition())
        {
            try
            {
                await Task.Delay(50, ct);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("timed out; the trace so far:" + Environment.NewLine + trace());
            }
        }
    }
}
