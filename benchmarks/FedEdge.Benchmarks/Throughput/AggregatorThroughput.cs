using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.Node;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.State;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Benchmarks.Throughput;

/// <summary>
/// A measured run (not BenchmarkDotNet: it needs a broker): accepted updates per second of the
/// aggregator's receive path (parse, validate, decode, persist with fsync, FedBuff steps with
/// signing and retained publishing, acknowledge — drained and group-committed as the service does) divided by the receive rate of a bare MQTTnet
/// subscriber that only acknowledges, for the same messages, through the same mosquitto on
/// loopback, in the same run. Each consumer drains N digits-MLP updates (dense float32, 9,656-byte
/// payloads) that were queued in its persistent session while it was offline, so the figure is the
/// consumer's capacity, not the publisher's. Plain TCP on loopback: TLS costs both consumers alike.
/// </summary>
internal static class AggregatorThroughput
{
    private const string Fleet = "bench";
    private const int WarmUpCount = 600;
    private const string ChildPrefix = "THROUGHPUT ";

    // after the warm-up, a quiet moment in which tiered compilation promotes what the warm-up ran (it waits for 100 ms
    // without new tier-0 methods, then compiles in the background — slow on a loaded machine)
    private static readonly TimeSpan WarmUpPause = TimeSpan.FromSeconds(2);

    public static async Task<int> RunAsync(int count)
    {
        var result = await MeasureInChildAsync(count).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"messages: {result.Count} digits-MLP updates of {result.PayloadBytes} bytes"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine alone, no broker (batches of 64): {result.EngineOnly:F0} updates/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bare MQTTnet subscriber: {result.Bare:F0} messages/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"aggregator (FedBuff K=10): {result.Aggregator:F0} accepted updates/s ({result.Accepted} accepted, model version {result.ModelVersion})"));
        Console.WriteLine("outcomes: " + string.Join(", ", result.Outcomes.Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value}"))));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU per message, this process + mosquitto: bare {result.BareProcessCpu * 1e6:F0} + {result.BareBrokerCpu * 1e6:F0} µs, aggregator {result.AggregatorProcessCpu * 1e6:F0} + {result.AggregatorBrokerCpu * 1e6:F0} µs"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio aggregator / bare: {result.Aggregator / result.Bare:F3} (target ≥ 0.9)"));
        return result.Accepted == count ? 0 : 1;
    }

    /// <summary>
    /// <see cref="MeasureAsync(int)"/> in a child process with tiered compilation off (both consumers run in the child, so both
    /// get it): the steady state of a long-running process, whose hot code tiered compilation has promoted. Within a short
    /// drain in a process that keeps compiling it does not: the aggregator's step stayed at tier 0 (1–1.5 ms of CPU instead of
    /// ≈ 0.35 ms, validation twice as long) even after a warm-up of 600 updates and a 2 s pause. docs/performance.md gives the
    /// figures of both.
    /// </summary>
    public static async Task<ThroughputResult> MeasureInChildAsync(int count)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_TieredCompilation"] = "0";
        foreach (string argument in new[] { typeof(AggregatorThroughput).Assembly.Location, "throughput-child", count.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start) ?? throw new InvalidOperationException("cannot start the throughput child");
        string text = await child.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await child.WaitForExitAsync().ConfigureAwait(false);
        string line = text.Split('\n').SingleOrDefault(l => l.StartsWith(ChildPrefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"the throughput child exited with {child.ExitCode}: {text}");
        return JsonSerializer.Deserialize<ThroughputResult>(line[ChildPrefix.Length..])
            ?? throw new InvalidOperationException("the throughput child printed no result");
    }

    /// <summary>The child's side of <see cref="MeasureInChildAsync"/>: measures and prints the result as one line.</summary>
    public static async Task<int> ChildAsync(int count)
    {
        var result = await MeasureAsync(count).ConfigureAwait(false);
        Console.WriteLine(ChildPrefix + JsonSerializer.Serialize(result));
        return 0;
    }

    /// <summary>The measured run: both consumers drain <paramref name="count"/> queued updates through one mosquitto.</summary>
    public static async Task<ThroughputResult> MeasureAsync(int count)
    {
        string directory = Directory.CreateTempSubdirectory("fededge-throughput-").FullName;
        int port = FreePort();
        using var broker = StartMosquitto(directory, port);
        try
        {
            await WaitForPortAsync(port);
            var architecture = ModelArchitecture.Parse("mlp-64-32-10");
            var updates = MakeUpdates(architecture, count, "device-");

            // Both consumers first drain a warm-up set (other devices, same sizes), untimed: the figure is a running
            // service's capacity, not the JIT compilation of a cold process's first few hundred updates
            var warmUp = MakeUpdates(architecture, WarmUpCount, "warm-");

            static async ValueTask<int> AcknowledgeOnly(ReconnectingMqttClient client, IReadOnlyList<ReceivedMessage> batch)
            {
                foreach (var message in batch)
                {
                    await message.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                }

                return batch.Count;
            }

            await MeasureAsync(broker, port, "bare", warmUp, AcknowledgeOnly).ConfigureAwait(false);
            await Task.Delay(WarmUpPause).ConfigureAwait(false);
            var bare = await MeasureAsync(broker, port, "bare", updates, AcknowledgeOnly).ConfigureAwait(false);

            // the aggregator: the hosted service's node (drain → validate → group commit → acknowledge → step → sign →
            // publish-if-changed), publishing through the client that drains, as AggregatorService does
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var publisher = new LatePublisher();
            using var node = AggregatorNode.Open(
                EngineOptions(architecture), Path.Combine(directory, "state.db"), new ModelSigner(key), publisher, TimeProvider.System, NullLoggerFactory.Instance, new AggregatorMetrics());
            int accepted = 0;
            var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
            async ValueTask<int> Aggregate(ReconnectingMqttClient client, IReadOnlyList<ReceivedMessage> batch)
            {
                publisher.Client = client;
                var drained = new List<InboundMessage>(batch.Count);
                foreach (var message in batch)
                {
                    drained.Add(new InboundMessage(message.Topic, message.Payload, message.AcknowledgeAsync));
                }

                int acceptedHere = 0;
                foreach (var outcome in await node.ProcessAsync(drained, CancellationToken.None).ConfigureAwait(false))
                {
                    var verdict = outcome.Intake?.Verdict;
                    string kind = verdict is null ? "not an update" : verdict.Reason?.ToString() ?? verdict.Kind.ToString();
                    outcomes[kind] = outcomes.GetValueOrDefault(kind) + 1;
                    acceptedHere += verdict?.Kind == FedEdge.Aggregation.Validation.IntakeOutcome.Accepted ? 1 : 0;
                }

                accepted += acceptedHere;
                return acceptedHere;
            }

            await MeasureAsync(broker, port, "aggregator", warmUp, Aggregate).ConfigureAwait(false);
            await Task.Delay(WarmUpPause).ConfigureAwait(false);
            accepted = 0;
            outcomes.Clear();
            var aggregator = await MeasureAsync(broker, port, "aggregator", updates, Aggregate).ConfigureAwait(false);

            double engineOnly = MeasureEngineOnly(directory, architecture, updates);
            return new ThroughputResult(
                count, updates[0].Payload.Length, bare.Rate, aggregator.Rate, engineOnly, accepted, node.Engine.CurrentVersion, outcomes,
                bare.ProcessCpu, bare.BrokerCpu, aggregator.ProcessCpu, aggregator.BrokerCpu);
        }
        finally
        {
            broker.Kill(entireProcessTree: true);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<Drain> MeasureAsync(Process broker, int port, string clientId, (string Topic, byte[] Payload)[] updates, Func<ReconnectingMqttClient, IReadOnlyList<ReceivedMessage>, ValueTask<int>> handle)
    {
        var options = new MqttTransportOptions
        {
            Host = "127.0.0.1",
            Port = port,
            ClientId = clientId,
            UseTls = false,
            MaxInboundQueueLength = 256,
            SessionExpiry = TimeSpan.FromHours(1),
        };

        // 1. register the persistent session and subscription, then go offline
        await using (var consumer = new ReconnectingMqttClient(options, TimeProvider.System, new Random(1), NullLogger<ReconnectingMqttClient>.Instance))
        {
            await consumer.SubscribeAsync(TopicScheme.AllUpdatesFilter(Fleet), CancellationToken.None).ConfigureAwait(false);
            consumer.Start();
            await consumer.WaitUntilConnectedAsync(CancellationToken.None).ConfigureAwait(false);
        }

        // 2. queue every update in the offline session
        var publisherOptions = new MqttTransportOptions { Host = "127.0.0.1", Port = port, ClientId = clientId + "-publisher", UseTls = false };
        await using (var publisher = new ReconnectingMqttClient(publisherOptions, TimeProvider.System, new Random(2), NullLogger<ReconnectingMqttClient>.Instance))
        {
            publisher.Start();
            await publisher.WaitUntilConnectedAsync(CancellationToken.None).ConfigureAwait(false);
            for (int i = 0; i < updates.Length; i++)
            {
                await publisher.PublishAsync(updates[i].Topic, updates[i].Payload, retain: false, CancellationToken.None).ConfigureAwait(false);
            }
        }

        // 3. reconnect and drain, timing from the first message to the last
        await using var drain = new ReconnectingMqttClient(options, TimeProvider.System, new Random(3), NullLogger<ReconnectingMqttClient>.Instance);
        await drain.SubscribeAsync(TopicScheme.AllUpdatesFilter(Fleet), CancellationToken.None).ConfigureAwait(false);
        drain.Start();
        var batch = new List<ReceivedMessage>(64);
        batch.Add(await drain.Inbound.ReadAsync(CancellationToken.None).ConfigureAwait(false));
        var watch = Stopwatch.StartNew();
        var self = Process.GetCurrentProcess();
        var processCpu = self.TotalProcessorTime;
        var brokerCpu = broker.TotalProcessorTime;
        int received = 0;
        int counted = 0;
        while (true)
        {
            while (batch.Count < 64 && drain.Inbound.TryRead(out var more))
            {
                batch.Add(more);
            }

            counted += await handle(drain, batch).ConfigureAwait(false);
            received += batch.Count;
            batch.Clear();
            if (received >= updates.Length)
            {
                break;
            }

            batch.Add(await drain.Inbound.ReadAsync(CancellationToken.None).ConfigureAwait(false));
        }

        // the clock starts at the first message: N − 1 intervals, scaled by the share the handler counted (accepted)
        double rate = (updates.Length - 1) * ((double)counted / updates.Length) / watch.Elapsed.TotalSeconds;
        self.Refresh();
        broker.Refresh();
        return new Drain(rate, (self.TotalProcessorTime - processCpu).TotalSeconds / updates.Length, (broker.TotalProcessorTime - brokerCpu).TotalSeconds / updates.Length);
    }

    private static double MeasureEngineOnly(string directory, ModelArchitecture architecture, (string Topic, byte[] Payload)[] updates)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var store = AggregatorStateStore.Open(Path.Combine(directory, "engine-only.db"));
        var engine = CreateEngine(architecture, store, key);
        var watch = Stopwatch.StartNew();
        for (int start = 0; start < updates.Length; start += 64)
        {
            var batch = new List<(string, ReadOnlyMemory<byte>)>();
            for (int i = start; i < Math.Min(updates.Length, start + 64); i++)
            {
                batch.Add((updates[i].Topic, updates[i].Payload));
            }

            engine.ReceiveBatch(batch);
        }

        return updates.Length / watch.Elapsed.TotalSeconds;
    }

    private static AggregationEngine CreateEngine(ModelArchitecture architecture, AggregatorStateStore store, ECDsa key)
    {
        var engine = new AggregationEngine(EngineOptions(architecture), store, new ModelSigner(key), TimeProvider.System, NullLogger.Instance, new AggregatorMetrics());
        engine.Initialize();
        return engine;
    }

    /// <summary>
    /// FedBuff K=10 with the fleet's default privacy (user-level DP required, ledger charged per update, derived norm bound)
    /// and the time-dependent limits (staleness, per-device rate) opened wide: a replay of queued updates.
    /// </summary>
    private static AggregationEngineOptions EngineOptions(ModelArchitecture architecture) => new()
    {
        Fleet = Fleet,
        Architecture = architecture.ToString(),
        Strategy = StrategyKind.FedBuff,
        BufferSize = 10,
        MaxStaleness = 1_000_000,
        Validation = new() { MaxUpdatesPerDevicePerHour = 1_000_000 },
    };

    private static (string Topic, byte[] Payload)[] MakeUpdates(ModelArchitecture architecture, int count, string devicePrefix)
    {
        var layout = architecture.Layout;
        var codec = new DenseFloat32Codec();
        var random = new Random(5);
        var privacy = new FleetPrivacyOptions();
        byte[] payload = new byte[codec.MaxEncodedSize(layout)];
        var updates = new (string, byte[])[count];
        for (int i = 0; i < count; i++)
        {
            float[] delta = new float[layout.TotalLength];
            for (int k = 0; k < delta.Length; k++)
            {
                delta[k] = (float)((random.NextDouble() - 0.5) * 0.01);
            }

            int written = codec.Encode(delta, layout, payload);
            string device = Device(devicePrefix, i);
            updates[i] = (TopicScheme.Updates(Fleet, device), new ModelUpdate
            {
                ProtocolMajor = ProtocolVersion.Major,
                UpdateId = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(16)),
                DeviceId = device,
                Fleet = Fleet,
                BaseModelVersion = 1,
                Encoding = PayloadEncoding.DenseFloat32,
                Payload = ByteString.CopyFrom(payload, 0, written),
                // what a device with the fleet's default user-level DP declares (the fleet requires DP by default)
                Dp = new DpParameters { Mechanism = DpMechanism.UserLevelGaussian, NoiseMultiplier = privacy.NoiseMultiplier, ClipNorm = privacy.ClipNorm, SamplingRate = 1.0, Steps = 1 },
                PrivacySpent = new EpsilonDelta(),
                SampleCount = 50,
                CreatedAtUnixMs = 1_764_000_000_000,
            }.ToByteArray());
        }

        return updates;
    }

    /// <summary>One timed drain: counted messages per second; CPU seconds per message of this process and of mosquitto.</summary>
    private sealed record Drain(double Rate, double ProcessCpu, double BrokerCpu);

    /// <summary>The drain client, set once it exists: the node is opened before the client that feeds it.</summary>
    private sealed class LatePublisher : IAcknowledgedPublisher
    {
        public ReconnectingMqttClient? Client { get; set; }

        public Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken) =>
            (Client ?? throw new InvalidOperationException("no client yet")).PublishAsync(topic, payload, retain, cancellationToken);
    }

    // 200 devices in rotation: no device appears twice within one FedBuff buffer of 10
    private static string Device(string prefix, int i) => prefix + (i % 200).ToString("D3", CultureInfo.InvariantCulture);

    private static Process StartMosquitto(string directory, int port)
    {
        string conf = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllText(conf, string.Join('\n',
            $"listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            "max_queued_messages 0",
            "max_inflight_messages 0",
            "message_size_limit 0",
            $"user {Environment.UserName}",
            string.Empty));
        var start = new ProcessStartInfo("/usr/sbin/mosquitto") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(conf);
        return Process.Start(start) ?? throw new InvalidOperationException("cannot start mosquitto");
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        throw new TimeoutException("mosquitto did not open its port");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
