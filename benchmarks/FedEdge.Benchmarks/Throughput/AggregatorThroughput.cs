using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
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

    public static async Task<int> RunAsync(int count)
    {
        var result = await MeasureAsync(count).ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"messages: {result.Count} digits-MLP updates of {result.PayloadBytes} bytes"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"engine alone, no broker (batches of 64): {result.EngineOnly:F0} updates/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bare MQTTnet subscriber: {result.Bare:F0} messages/s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"aggregator (FedBuff K=10): {result.Aggregator:F0} accepted updates/s ({result.Accepted} accepted, model version {result.ModelVersion})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio aggregator / bare: {result.Aggregator / result.Bare:F3} (target ≥ 0.9)"));
        return result.Accepted == count ? 0 : 1;
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
            byte[][] updates = MakeUpdates(architecture, count);

            double bare = await MeasureAsync(port, "bare", updates, (_, _) => ValueTask.CompletedTask);

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var store = AggregatorStateStore.Open(Path.Combine(directory, "state.db"));
            var engine = CreateEngine(architecture, store, key);
            int accepted = 0;
            double aggregator = await MeasureAsync(port, "aggregator", updates, async (client, batch) =>
            {
                // the service loop: one group commit for the drained messages, then publish the newest model
                bool stepped = false;
                foreach (var result in engine.ReceiveBatch(batch.Select(m => (m.Topic, m.Payload)).ToList()))
                {
                    accepted += result.Verdict.Kind == FedEdge.Aggregation.Validation.IntakeOutcome.Accepted ? 1 : 0;
                    stepped |= result.NewModel is not null;
                }

                if (stepped)
                {
                    await client.PublishAsync(TopicScheme.Model(Fleet), engine.CurrentModelMessage, retain: true, CancellationToken.None).ConfigureAwait(false);
                }
            });

            double engineOnly = MeasureEngineOnly(directory, architecture, updates);
            return new ThroughputResult(count, updates[0].Length, bare, aggregator, engineOnly, accepted, (long)engine.CurrentVersion);
        }
        finally
        {
            broker.Kill(entireProcessTree: true);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<double> MeasureAsync(int port, string clientId, byte[][] updates, Func<ReconnectingMqttClient, IReadOnlyList<ReceivedMessage>, ValueTask> handle)
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
                await publisher.PublishAsync(TopicScheme.Updates(Fleet, Device(i)), updates[i], retain: false, CancellationToken.None).ConfigureAwait(false);
            }
        }

        // 3. reconnect and drain, timing from the first message to the last
        await using var drain = new ReconnectingMqttClient(options, TimeProvider.System, new Random(3), NullLogger<ReconnectingMqttClient>.Instance);
        await drain.SubscribeAsync(TopicScheme.AllUpdatesFilter(Fleet), CancellationToken.None).ConfigureAwait(false);
        drain.Start();
        var batch = new List<ReceivedMessage>(64);
        batch.Add(await drain.Inbound.ReadAsync(CancellationToken.None).ConfigureAwait(false));
        var watch = Stopwatch.StartNew();
        int received = 0;
        while (true)
        {
            while (batch.Count < 64 && drain.Inbound.TryRead(out var more))
            {
                batch.Add(more);
            }

            await handle(drain, batch).ConfigureAwait(false);
            foreach (var message in batch)
            {
                await message.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
            }

            received += batch.Count;
            batch.Clear();
            if (received >= updates.Length)
            {
                break;
            }

            batch.Add(await drain.Inbound.ReadAsync(CancellationToken.None).ConfigureAwait(false));
        }

        return (updates.Length - 1) / watch.Elapsed.TotalSeconds;
    }

    private static double MeasureEngineOnly(string directory, ModelArchitecture architecture, byte[][] updates)
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
                batch.Add((TopicScheme.Updates(Fleet, Device(i)), updates[i]));
            }

            engine.ReceiveBatch(batch);
        }

        return updates.Length / watch.Elapsed.TotalSeconds;
    }

    /// <summary>FedBuff K=10 with the time-dependent limits (staleness, per-device rate) opened wide: a replay of queued updates.</summary>
    private static AggregationEngine CreateEngine(ModelArchitecture architecture, AggregatorStateStore store, ECDsa key)
    {
        var engine = new AggregationEngine(
            new AggregationEngineOptions
            {
                Fleet = Fleet,
                Architecture = architecture.ToString(),
                Strategy = StrategyKind.FedBuff,
                BufferSize = 10,
                MaxStaleness = 1_000_000,
                Validation = new() { MaxUpdatesPerDevicePerHour = 1_000_000, MaxUpdateNorm = 1e6 },
            },
            store, new ModelSigner(key), TimeProvider.System, NullLogger.Instance, new AggregatorMetrics());
        engine.Initialize();
        return engine;
    }

    private static byte[][] MakeUpdates(ModelArchitecture architecture, int count)
    {
        var layout = architecture.Layout;
        var codec = new DenseFloat32Codec();
        var random = new Random(5);
        byte[] payload = new byte[codec.MaxEncodedSize(layout)];
        var updates = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            float[] delta = new float[layout.TotalLength];
            for (int k = 0; k < delta.Length; k++)
            {
                delta[k] = (float)((random.NextDouble() - 0.5) * 0.01);
            }

            int written = codec.Encode(delta, layout, payload);
            updates[i] = new ModelUpdate
            {
                ProtocolMajor = ProtocolVersion.Major,
                UpdateId = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(16)),
                DeviceId = Device(i),
                Fleet = Fleet,
                BaseModelVersion = 1,
                Encoding = PayloadEncoding.DenseFloat32,
                Payload = ByteString.CopyFrom(payload, 0, written),
                Dp = new DpParameters { Mechanism = DpMechanism.None },
                PrivacySpent = new EpsilonDelta(),
                SampleCount = 50,
                CreatedAtUnixMs = 1_764_000_000_000,
            }.ToByteArray();
        }

        return updates;
    }

    // 200 devices in rotation: no device appears twice within one FedBuff buffer of 10
    private static string Device(int i) => "device-" + (i % 200).ToString("D3", CultureInfo.InvariantCulture);

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
