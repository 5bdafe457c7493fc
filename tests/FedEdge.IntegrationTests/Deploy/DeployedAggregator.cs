using System.Globalization;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// The real fededge-aggregator on a host set up from the shipped files only: deploy/aggregator/aggregator.json rendered
/// as <see cref="ShippedFiles.Render"/> does (paths under a temporary root, broker host and port of the test broker),
/// with the aggregator certificate and the model-signing key a <see cref="ScriptPki"/> made. It can be killed (SIGKILL)
/// and started again on the same state, which is how the tests take it offline.
/// </summary>
public sealed class DeployedAggregator : IAsyncDisposable
{
    private readonly string _config;
    private ServiceProcess? _process;

    private DeployedAggregator(string config, int metricsPort)
    {
        _config = config;
        MetricsPort = metricsPort;
    }

    /// <summary>Its Prometheus endpoint (the shipped 9464 replaced by a free port; another one if that was taken meanwhile).</summary>
    public int MetricsPort { get; private set; }

    /// <summary>What the running (or last) process printed.</summary>
    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Writes the host's /etc/fededge and state folder under <paramref name="root"/>; does not start it.</summary>
    public static async Task<DeployedAggregator> CreateAsync(ScriptPki pki, int brokerPort, string root, CancellationToken ct)
    {
        string etc = Path.Combine(root, "etc", "fededge");
        Directory.CreateDirectory(etc);
        Directory.CreateDirectory(Path.Combine(root, "var", "lib", "fededge-aggregator"));
        File.Copy(Path.Combine(pki.CaDirectory, "ca.crt"), Path.Combine(etc, "ca.crt"));
        File.Copy(Path.Combine(pki.AggregatorDirectory, "aggregator.crt"), Path.Combine(etc, "aggregator.crt"));
        File.Copy(Path.Combine(pki.AggregatorDirectory, "aggregator.key"), Path.Combine(etc, "aggregator.key"));
        File.Copy(Path.Combine(pki.SigningDirectory, "model-signing.key"), Path.Combine(etc, "model-signing.key"));
        string config = Path.Combine(etc, "aggregator.json");
        string shipped = await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "aggregator", "aggregator.json"), ct);
        await File.WriteAllTextAsync(config, ShippedFiles.Render(shipped, root, "127.0.0.1", brokerPort), ct);
        return new DeployedAggregator(config, LoopbackPorts.Free());
    }

    /// <summary>Starts it and waits until it is connected with its subscriptions made and has published its model.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("the aggregator is running");
        }

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        for (int attempt = 1; ; attempt++)
        {
            _process = ServiceProcess.Start(
                "aggregator", ServiceBinary.Aggregator, "--config", _config, "--Aggregator:MetricsPort=" + MetricsPort.ToString(CultureInfo.InvariantCulture));

            // ReconnectingMqttClient logs "connected" only after every subscription is made
            bool ready = await _process.OutputContainsAsync("MQTT client aggregator connected", TimeSpan.FromSeconds(60), ct)
                && await _process.OutputContainsAsync("Published global model version", TimeSpan.FromSeconds(30), ct);
            if (ready)
            {
                return;
            }

            // the free port was only free when it was picked: another process may have bound it since (the metrics
            // listener then fails with "Address already in use"); a restart takes another one
            if (attempt < 3 && _process.HasExited && Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                await _process.DisposeAsync();
                MetricsPort = LoopbackPorts.Free();
                continue;
            }

            throw new InvalidOperationException("the aggregator did not connect and publish its model:" + Environment.NewLine + Output);
        }
    }

    /// <summary>SIGKILL: the broker keeps its persistent session and queues what arrives for it.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.KillAsync();
        }
    }

    /// <summary>The sum of a counter's samples (every label set), or null while the endpoint does not answer.</summary>
    public async Task<double?> MetricAsync(string name, CancellationToken ct)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            string text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{MetricsPort}/metrics"), ct);
            double? sum = null;
            foreach (string line in text.Split('\n'))
            {
                if (line.StartsWith(name + " ", StringComparison.Ordinal) || line.StartsWith(name + "{", StringComparison.Ordinal))
                {
                    sum = (sum ?? 0) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                }
            }

            return sum ?? 0;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Waits until <paramref name="name"/> reaches at least <paramref name="value"/>; returns the last value read.</summary>
    public async Task<double?> WaitForMetricAsync(string name, double value, TimeSpan patience, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double? current = await MetricAsync(name, ct);
        while ((current ?? 0) < value && clock.Elapsed < patience)
        {
            await Task.Delay(100, ct);
            current = await MetricAsync(name, ct);
        }

        return current;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

}
