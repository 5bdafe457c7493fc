using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.IntegrationTests.Broker;
using FedEdge.IntegrationTests.Deploy;

namespace FedEdge.IntegrationTests.Aggregator;

/// <summary>
/// The real fededge-aggregator, started as a child process from its own build output with its
/// configuration on the command line, connected to the test broker with the "aggregator" certificate.
/// Killing it is SIGKILL (no shutdown code runs).
/// </summary>
public sealed class AggregatorProcess : IAsyncDisposable
{
    private readonly ServiceProcess _process;

    private AggregatorProcess(ServiceProcess process, int metricsPort)
    {
        _process = process;
        MetricsPort = metricsPort;
    }

    /// <summary>Where its Prometheus endpoint listens.</summary>
    public int MetricsPort { get; }

    /// <summary>What it printed so far.</summary>
    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static AggregatorProcess Start(MosquittoBroker broker, AggregationEngineOptions engine, string statePath, string signingKeyPath)
    {
        var aggregatorCert = broker.Pki.Client("aggregator");
        int metricsPort = LoopbackPorts.Free();
        var args = new Dictionary<string, string>
        {
            ["Engine:Fleet"] = engine.Fleet,
            ["Engine:Architecture"] = engine.Architecture,
            ["Engine:Strategy"] = engine.Strategy.ToString(),
            ["Engine:BufferSize"] = Text(engine.BufferSize),
            ["Engine:ClientsPerRound"] = Text(engine.ClientsPerRound),
            ["Engine:MinClients"] = Text(engine.MinClients),
            ["Engine:RoundDuration"] = engine.RoundDuration.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Engine:Seed"] = Text(engine.Seed),
            ["Engine:DefaultMemoryBudgetBytes"] = Text(engine.DefaultMemoryBudgetBytes),
            ["Engine:Robust"] = engine.Robust.ToString(),
            ["Engine:Privacy:Mode"] = engine.Privacy.Mode.ToString(),
            ["Mqtt:Host"] = "127.0.0.1",
            ["Mqtt:Port"] = Text(broker.Port),
            ["Mqtt:ClientId"] = "aggregator",
            ["Mqtt:UseTls"] = "true",
            ["Mqtt:CaCertificatePath"] = broker.Pki.CaCertificatePath,
            ["Mqtt:ClientCertificatePath"] = aggregatorCert.CertificatePath,
            ["Mqtt:ClientKeyPath"] = aggregatorCert.KeyPath,
            ["Mqtt:ReconnectBaseDelay"] = "00:00:00.050",
            ["Mqtt:ReconnectMaxDelay"] = "00:00:00.500",
            ["Mqtt:CircuitBreakerBreakDuration"] = "00:00:00.500",
            ["StatePath"] = statePath,
            ["SigningKeyPath"] = signingKeyPath,
            ["MetricsPort"] = Text(metricsPort),
            ["TickInterval"] = "00:00:00.100",
        };
        if (engine.Validation.MaxUpdateNorm is double maxNorm)
        {
            args["Engine:Validation:MaxUpdateNorm"] = Text(maxNorm);
        }

        if (engine.NormBound is double bound)
        {
            args["Engine:NormBound"] = Text(bound);
        }
        return new AggregatorProcess(
            ServiceProcess.Start("aggregator", ServiceBinary.Aggregator, [.. args.Select(a => $"--Aggregator:{a.Key}={a.Value}")]),
            metricsPort);
    }

    /// <summary>Writes a fresh P-256 model-signing key as PKCS#8 PEM and returns it.</summary>
    public static ECDsa WriteSigningKey(string path)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        return key;
    }

    /// <summary>The value of a metric line (e.g. "fededge_updates_accepted_total"), or null if not scraped.</summary>
    public async Task<double?> MetricAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            string text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"), cancellationToken);
            foreach (string line in text.Split('\n'))
            {
                if (line.StartsWith(name + " ", StringComparison.Ordinal))
                {
                    return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
                }
            }

            return null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>SIGKILL: no finalizers, no graceful stop, nothing flushed that was not already committed.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();


    private static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
