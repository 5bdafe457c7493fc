using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Prediction;
using FedEdge.Device.Privacy;
using FedEdge.Device.Sampling;
using FedEdge.Core.Models;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Privacy;
using FedEdge.Onnx.Training;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Transport;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Simulated;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// <c>fededge-agent --self-test [--simulated-sensors]</c>: proves on the target board (or under qemu)
/// that the configured sensors answer, the native ONNX Runtime loads and one DP-SGD step trains on
/// generated artifacts, the privacy ledger records, the installed model loads and its signature
/// verifies against the pinned key, and the broker answers. A part that is not configured (no
/// sensors listed, no pinned key or no model yet, no broker or the device not enrolled) is reported
/// as "skip", not as a failure. Runs in a temp directory; changes no state.
/// </summary>
public static class AgentSelfTest
{
    /// <summary>How long the broker probe waits for TCP connect plus TLS handshake.</summary>
    public static readonly TimeSpan DefaultBrokerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs every check with the sensors <paramref name="options"/> lists, writes a report to <paramref name="output"/>, returns 0 when none failed.
    /// <paramref name="configurationProblems"/> (from the configuration check the service runs at start) fail the first check.
    /// </summary>
    public static async Task<int> RunAsync(AgentOptions options, IReadOnlyList<string> configurationProblems, bool simulatedSensors, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configurationProblems);
        if (simulatedSensors || options.Sampling.Sensors.Count == 0)
        {
            return await RunAsync(options, simulatedSensors, [], output, DefaultBrokerTimeout, cancellationToken, configurationProblems).ConfigureAwait(false);
        }

        ConfiguredSensors opened;
        try
        {
            opened = new ConfiguredSensors(options.Sampling, TimeProvider.System, NullLogger<ConfiguredSensors>.Instance);
        }
        catch (ArgumentException ex)
        {
            // the other checks still run; the sensor check then reports none opened
            ArgumentNullException.ThrowIfNull(output);
            output.WriteLine($"  FAIL  sensor settings: {ex.Message}");
            int rest = await RunAsync(options, simulatedSensors, [], output, DefaultBrokerTimeout, cancellationToken, configurationProblems).ConfigureAwait(false);
            return Math.Max(rest, 1);
        }

        using (opened)
        {
            return await RunAsync(options, simulatedSensors, opened.Adapters, output, DefaultBrokerTimeout, cancellationToken, configurationProblems).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="RunAsync(AgentOptions, IReadOnlyList{string}, bool, TextWriter, CancellationToken)"/> with the sensors that opened handed in (tests hand in fakes).</summary>
    internal static async Task<int> RunAsync(
        AgentOptions options,
        bool simulatedSensors,
        IReadOnlyList<ISensorAdapter> openedSensors,
        TextWriter output,
        TimeSpan brokerTimeout,
        CancellationToken cancellationToken,
        IReadOnlyList<string>? configurationProblems = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(openedSensors);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"fededge-agent self-test on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}), .NET {Environment.Version}");
        string directory = Directory.CreateTempSubdirectory("fededge-selftest-").FullName;
        int failures = 0;
        if (configurationProblems is not null)
        {
            failures += CheckConfiguration(output, options, configurationProblems);
        }

        try
        {
            failures += CheckSensors(output, options, simulatedSensors, openedSensors);
            var architecture = ModelArchitecture.Mlp(SmartHomeSchema.FeatureNames.Count, [8], SmartHomeSchema.ClassCount);
            var data = SmartHomeSchema.Standardize(new SmartHomeActivityGenerator(1).GenerateHome(0, 256));
            failures += Check(output, "training artifacts generate", () =>
            {
                TrainingArtifactGenerator.Generate(architecture, TrainableSet.All, OptimizerSettings.Sgd(0f), Path.Combine(directory, "artifacts"), perExampleClipping: true);
                return $"{architecture} in {Path.Combine(directory, "artifacts")}";
            });
            failures += Check(output, "one DP-SGD step runs on ONNX Runtime", () =>
            {
                using var trainer = OrtTrainer.Load(Path.Combine(directory, "artifacts"));
                using var noise = new GaussianNoise();
                using var rng = RandomNumberGenerator.Create();
                var dpSgd = new DpSgd(trainer, new DpSgdSettings(0.1, 1.1, 1.0f), noise, new SecureRandomBits(rng), data.Count);
                var before = trainer.Parameters.Clone();
                var watch = Stopwatch.StartNew();
                float loss = dpSgd.Step(data, 0.05f);
                watch.Stop();
                before.SetDifference(trainer.Parameters, before);
                if (!trainer.Parameters.AllFinite() || before.L2Norm() == 0)
                {
                    throw new InvalidOperationException("the step left the parameters unchanged or non-finite");
                }

                return string.Create(CultureInfo.InvariantCulture, $"batch {dpSgd.LastBatchSize}, loss {loss:F3}, ‖Δ‖ {before.L2Norm():G3}, {watch.Elapsed.TotalMilliseconds:F1} ms");
            });
            failures += Check(output, "privacy ledger opens and records", () =>
            {
                using var ledger = PrivacyLedger.Open(Path.Combine(directory, "privacy.ledger"), new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta), new RdpAccountant(), TimeProvider.System);
                var release = new Core.Privacy.SubsampledGaussian(1.0, options.Privacy.NoiseMultiplier, 1);
                if (!ledger.CanAfford(release))
                {
                    throw new InvalidOperationException($"the budget ε = {options.Privacy.Epsilon} does not afford one release at z = {options.Privacy.NoiseMultiplier}");
                }

                ledger.Reserve(MechanismKind.UserLevelGaussian, release, 1);
                double spent = ledger.Spent().Epsilon;
                return string.Create(CultureInfo.InvariantCulture, $"one user-level release (z = {options.Privacy.NoiseMultiplier}) costs ε = {spent:F3} at δ = {options.Privacy.Delta:G3}");
            });
            failures += Check(output, "this device's privacy ledger", () => DescribeDeviceLedger(options));
            failures += CheckModel(output, options);
            failures += await CheckBrokerAsync(output, options.Mqtt, brokerTimeout, cancellationToken).ConfigureAwait(false);

            // Informational: a missing sysfs source is normal in a container or under qemu.
            output.WriteLine($"  info  cpu times: {(new ProcStatCpuTimes().Read() is null ? "unavailable" : "readable")}");
            failures += CheckPower(output, options);
            double? celsius = new SysfsThermal().ReadCelsius();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  info  temperature: {(celsius is double c ? $"{c:F1} °C" : "no thermal zone")}"));
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temp directory does not fail the self-test
            }
        }

        output.WriteLine(failures == 0 ? "self-test passed" : $"self-test FAILED ({failures} check(s))");
        return failures == 0 ? 0 : 1;
    }

    private static int CheckSensors(TextWriter output, AgentOptions options, bool simulated, IReadOnlyList<ISensorAdapter> opened)
    {
        if (simulated)
        {
            return Check(output, "sensors answer", () =>
            {
                // the simulated sensors are the seeded smart-home generator the agent trains on with SimulatedSensors
                var window = new SmartHomeActivityGenerator(1).GenerateHome(0, 1);
                var row = window.Row(0);
                for (int i = 0; i < row.Length; i++)
                {
                    if (!float.IsFinite(row[i]))
                    {
                        throw new InvalidDataException($"simulated feature {SmartHomeSchema.FeatureNames[i]} is {row[i]}");
                    }
                }

                return $"simulated smart-home generator: one window of {row.Length} finite features";
            });
        }

        var configured = options.Sampling.Sensors;
        if (configured.Count == 0)
        {
            return Skip(output, "sensors answer", "not configured (Agent:Sampling:Sensors is empty; --simulated-sensors checks the simulator)");
        }

        int failures = 0;
        if (opened.Count < configured.Count)
        {
            // ConfiguredSensors leaves out a sensor whose bus, address or chip id did not answer at open
            string names = opened.Count == 0 ? "none" : string.Join(", ", opened.Select(a => a.Name));
            output.WriteLine($"  FAIL  sensors answer: {opened.Count} of {configured.Count} configured sensors ({string.Join(", ", configured)}) opened (opened: {names}); the others did not answer at open (no bus, no device at the address, or a wrong chip id)");
            failures++;
        }

        foreach (var sensor in opened)
        {
            failures += Check(output, $"sensor {sensor.Name} answers", () =>
            {
                if (!sensor.TryRead(out var reading))
                {
                    var health = sensor.Health;
                    throw new IOException($"no valid reading ({health.Health}{(health.LastError is null ? string.Empty : ": " + health.LastError)})");
                }

                var values = new string[reading.Count];
                for (int i = 0; i < reading.Count; i++)
                {
                    values[i] = string.Create(CultureInfo.InvariantCulture, $"{sensor.Channels[i]} = {reading[i]:G4}");
                }

                return string.Join(", ", values);
            });
        }

        return failures;
    }

    private static int CheckModel(TextWriter output, AgentOptions options)
    {
        const string Name = "installed model loads and its signature verifies";
        if (!File.Exists(options.ModelSigningPublicKeyPath))
        {
            // An enrolled device (it has its client certificate) without the pinned key cannot accept any model:
            // the agent would refuse to start, so this is a failure, not "not configured" (issue 1/5).
            string? certificate = options.Mqtt.ClientCertificatePath;
            if (!string.IsNullOrEmpty(certificate) && File.Exists(certificate))
            {
                output.WriteLine($"  FAIL  {Name}: the device is enrolled ({certificate}) but the pinned model key Agent:ModelSigningPublicKeyPath = {options.ModelSigningPublicKeyPath} is missing; re-run deploy/pki/enroll-device.sh");
                return 1;
            }

            return Skip(output, Name, $"not configured (no pinned key at {options.ModelSigningPublicKeyPath})");
        }

        // the path AcceptedModelStore installs to; read directly so the self-test creates no directory
        string current = Path.Combine(options.StateDirectory, "model", "current.model");
        if (!File.Exists(current))
        {
            return Skip(output, Name, $"not configured (no model installed yet at {current}; the agent installs one from the broker)");
        }

        return Check(output, Name, () =>
        {
            var key = PinnedModelKey.FromPem(File.ReadAllText(options.ModelSigningPublicKeyPath));
            var file = new FileInfo(current);
            if (file.Length > FedEdge.Device.Models.AcceptedModelStore.MaxModelBytes)
            {
                throw new InvalidDataException($"{current} is {file.Length} bytes, above the {FedEdge.Device.Models.AcceptedModelStore.MaxModelBytes}-byte bound");
            }

            if (!new WireParser().ParseGlobalModel(File.ReadAllBytes(current)).TryGet(out var model, out string reason))
            {
                throw new InvalidDataException($"{current} does not parse: {reason}");
            }

            using var verifier = new ModelVerifier([key], options.Fleet);
            var verdict = verifier.Verify(model);
            if (!verdict.Succeeded)
            {
                throw new InvalidDataException($"signature check refused version {model.Version}: {verdict}");
            }

            if (!ActivityClassifier.TryCreate(model, SmartHomeSchema.ClassNames, out var classifier, out string problem))
            {
                throw new InvalidDataException($"version {model.Version} does not load: {problem}");
            }

            classifier.Dispose();
            return $"version {model.Version} ({model.Architecture}), signed by pinned key {key.KeyId}, inference session created";
        });
    }

    private static async Task<int> CheckBrokerAsync(TextWriter output, MqttTransportOptions mqtt, TimeSpan timeout, CancellationToken cancellationToken)
    {
        const string Name = "broker reachable";
        if (string.IsNullOrEmpty(mqtt.Host))
        {
            return Skip(output, Name, "not configured (Agent:Mqtt:Host is empty)");
        }

        if (mqtt.UseTls)
        {
            // the shipped appsettings.json names a placeholder broker and the /etc/fededge paths enrolment writes;
            // before enrolment (deploy/pki/enroll-device.sh) there is nothing to reach the broker with
            foreach (string? path in new[] { mqtt.CaCertificatePath, mqtt.ClientCertificatePath, mqtt.ClientKeyPath })
            {
                if (!string.IsNullOrEmpty(path) && !File.Exists(path))
                {
                    return Skip(output, Name, $"not configured ({path} is missing: the device is not enrolled)");
                }
            }
        }

        try
        {
            string detail = await BrokerProbe.ProbeAsync(mqtt, timeout, cancellationToken).ConfigureAwait(false);
            output.WriteLine($"  ok    {Name}: {detail}");
            return 0;
        }
        catch (TransportUnavailableException ex)
        {
            output.WriteLine($"  FAIL  {Name}: {ex.Message}");
            return 1;
        }
    }

    private static int Skip(TextWriter output, string name, string reason)
    {
        output.WriteLine($"  skip  {name}: {reason}");
        return 0;
    }

    /// <summary>
    /// The configuration check the service runs at start. Before enrolment the identity files the configuration names do
    /// not exist yet: that alone is "not configured" (skip), like the broker check; anything else fails.
    /// </summary>
    private static int CheckConfiguration(TextWriter output, AgentOptions options, IReadOnlyList<string> problems)
    {
        const string Name = "configuration";
        if (problems.Count == 0)
        {
            output.WriteLine($"  ok    {Name}: binds and validates as the service does");
            return 0;
        }

        bool enrolled = !string.IsNullOrEmpty(options.Mqtt.ClientCertificatePath) && File.Exists(options.Mqtt.ClientCertificatePath);
        bool onlyIdentityMissing = !enrolled && problems.All(p =>
            p.StartsWith("Agent:Mqtt:", StringComparison.Ordinal) && p.EndsWith("does not exist.", StringComparison.Ordinal));
        if (onlyIdentityMissing)
        {
            return Skip(output, Name, "not configured (the device is not enrolled: " + string.Join("; ", problems) + ")");
        }

        output.WriteLine($"  FAIL  {Name}: the service would not start: {string.Join("; ", problems)}");
        return 1;
    }

    private static int CheckPower(TextWriter output, AgentOptions options)
    {
        const string Name = "power source";
        var source = PowerSources.Create(options.Power, options.Sampling.I2cBus, options.Sampling.GpioChip, TimeProvider.System);
        try
        {
            if (source is UnavailablePower unavailable)
            {
                output.WriteLine($"  FAIL  {Name}: Agent:Power:Source = {options.Power.Source} cannot be opened: {unavailable.Problem}");
                return 1;
            }

            // Unknown from sysfs is normal in a container or under qemu (no power-supply class); from configured hardware it is a fault
            var state = source.Read();
            bool failed = state == PowerState.Unknown && options.Power.Source is PowerSourceKind.Ina219 or PowerSourceKind.Gpio;
            output.WriteLine($"  {(failed ? "FAIL" : "ok  ")}  {Name}: {source.Name} reads {state}");
            return failed ? 1 : 0;
        }
        finally
        {
            (source as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// The device's own ledger, read-only with the agent's checks (chain, second record, missing with other state): a
    /// refused ledger fails the self-test with the reason, since the agent will not train until reset-ledger.
    /// </summary>
    private static string DescribeDeviceLedger(AgentOptions options)
    {
        string state = options.StateDirectory;
        if (!Directory.Exists(state))
        {
            return $"none yet ({state} does not exist: the agent has not run here)";
        }

        var budget = new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta);
        try
        {
            using var ledger = PrivacyLedger.OpenReadOnly(Path.Combine(state, "privacy.ledger"), budget, new RdpAccountant(), TimeProvider.System, PrivacyLedger.OtherDeviceState(state));
            string reset = ledger.LastReset is { } r
                ? string.Create(CultureInfo.InvariantCulture, $"; reset at {r.Time:u}, carrying ε = {r.CarriedEpsilon:G4}")
                : string.Empty;
            return string.Create(CultureInfo.InvariantCulture, $"{ledger.Entries.Count} records, chain and second record agree; ε spent {ledger.Spent().Epsilon:G4} of {budget.Epsilon:G4}{reset}");
        }
        catch (FileNotFoundException)
        {
            return "none yet (the agent has not run here)";
        }
    }

    private static int Check(TextWriter output, string name, Func<string> check)
    {
        try
        {
            string detail = check();
            output.WriteLine($"  ok    {name}: {detail}");
            return 0;
        }
#pragma warning disable CA1031 // a self-test reports every failure instead of crashing at the first
        catch (Exception ex)
#pragma warning restore CA1031
        {
            output.WriteLine($"  FAIL  {name}: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }
}
