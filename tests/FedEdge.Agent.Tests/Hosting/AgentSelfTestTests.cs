using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Prediction;
using FedEdge.Device.Privacy;
using FedEdge.Agent.Tests.Sampling;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Simulated;
using Google.Protobuf;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>Each self-test check's pass, fail and "not configured" paths; the report is what an operator reads.</summary>
public sealed class AgentSelfTestTests : IDisposable
{
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(3);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RunAsync_passes_with_simulated_sensors_when_no_model_or_broker_is_configured()
    {
        var (exitCode, report) = await RunAsync(Options(), simulated: true);

        Assert.True(exitCode == 0, report);
        Assert.Contains("ok    sensors answer: simulated", report, StringComparison.Ordinal);
        Assert.Contains("ok    one DP-SGD step runs on ONNX Runtime", report, StringComparison.Ordinal);
        Assert.Contains("ok    privacy ledger opens and records", report, StringComparison.Ordinal);
        Assert.Contains("skip  installed model loads and its signature verifies: not configured", report, StringComparison.Ordinal);
        Assert.Contains("skip  broker reachable: not configured", report, StringComparison.Ordinal);
        Assert.Contains("self-test passed", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_reports_the_reading_of_each_configured_sensor_that_answers()
    {
        var options = Options();
        options.Sampling.Sensors.Add("bme280@0x76");
        var sensor = new FakeSensor("bme280@0x76", ["temperature_c"], TimeProvider.System, _ => [21.5]);

        var (exitCode, report) = await RunAsync(options, simulated: false, sensor);

        Assert.True(exitCode == 0, report);
        Assert.Contains("ok    sensor bme280@0x76 answers: temperature_c = 21.5", report, StringComparison.Ordinal);
        Assert.Equal(1, sensor.Reads);
    }

    [Fact]
    public async Task RunAsync_fails_when_a_configured_sensor_gives_no_reading()
    {
        var options = Options();
        options.Sampling.Sensors.Add("bh1750@0x23");

        var (exitCode, report) = await RunAsync(options, simulated: false, new SilentSensor("bh1750@0x23"));

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  sensor bh1750@0x23 answers: IOException: no valid reading (Unhealthy: I/O error on the bus)", report, StringComparison.Ordinal);
        Assert.Contains("self-test FAILED (1 check(s))", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_fails_when_a_configured_sensor_did_not_open()
    {
        var options = Options();
        options.Sampling.Sensors.Add("bme280@0x76");
        options.Sampling.Sensors.Add("scd4x@0x62");
        var sensor = new FakeSensor("bme280@0x76", ["temperature_c"], TimeProvider.System, _ => [21.5]);

        var (exitCode, report) = await RunAsync(options, simulated: false, sensor);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  sensors answer: 1 of 2 configured sensors (bme280@0x76, scd4x@0x62) opened", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_fails_with_the_reason_when_a_sensor_entry_is_malformed()
    {
        var options = Options();
        options.Sampling.Sensors.Add("toaster@0x99");
        using var output = new StringWriter();

        int exitCode = await AgentSelfTest.RunAsync(options, [], simulatedSensors: false, output, TestContext.Current.CancellationToken);

        string report = output.ToString();
        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  sensor settings: Invalid sampling options:", report, StringComparison.Ordinal);
        Assert.Contains("ok    one DP-SGD step runs on ONNX Runtime", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_skips_the_sensor_check_when_no_sensor_is_configured()
    {
        var (exitCode, report) = await RunAsync(Options(), simulated: false);

        Assert.True(exitCode == 0, report);
        Assert.Contains("skip  sensors answer: not configured", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_loads_and_verifies_an_installed_model_signed_with_the_pinned_key()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = Options();
        InstallModel(options, signedWith: key, pinned: key, version: 4);

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.True(exitCode == 0, report);
        Assert.Contains("ok    installed model loads and its signature verifies: version 4", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_reports_the_devices_ledger_when_its_chain_and_second_record_agree()
    {
        var options = Options();
        using (var ledger = CreateLedger(options))
        {
            ledger.Reserve(MechanismKind.UserLevelGaussian, new Core.Privacy.SubsampledGaussian(1.0, options.Privacy.NoiseMultiplier, 1), 1);
        }

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.True(exitCode == 0, report);
        Assert.Contains("ok    this device's privacy ledger: 1 records, chain and second record agree; ε spent", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_fails_when_the_devices_ledger_is_refused_and_says_how_to_reset_it()
    {
        var options = Options();
        using (var ledger = CreateLedger(options))
        {
            ledger.Reserve(MechanismKind.UserLevelGaussian, new Core.Privacy.SubsampledGaussian(1.0, options.Privacy.NoiseMultiplier, 1), 1);
        }

        File.Delete(Path.Combine(options.StateDirectory, "privacy.ledger"));

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  this device's privacy ledger: PrivacyLedgerCorruptException: Privacy ledger refused:", report, StringComparison.Ordinal);
        Assert.Contains(PrivacyLedger.ResetCommand, report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_fails_when_the_installed_model_is_signed_with_another_key()
    {
        using var pinned = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = Options();
        InstallModel(options, signedWith: other, pinned: pinned, version: 4);

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  installed model loads and its signature verifies: InvalidDataException: signature check refused version 4", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_skips_the_model_check_when_the_key_is_pinned_but_no_model_is_installed_yet()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = Options();
        options.ModelSigningPublicKeyPath = _dir.WriteText("model-signing.pub", key.ExportSubjectPublicKeyInfoPem());

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.True(exitCode == 0, report);
        Assert.Contains("skip  installed model loads and its signature verifies: not configured (no model installed yet", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_reports_a_broker_that_accepts_the_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var options = Options();
        options.Mqtt.Host = "127.0.0.1";
        options.Mqtt.Port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.True(exitCode == 0, report);
        Assert.Contains($"ok    broker reachable: TCP connect to 127.0.0.1:{options.Mqtt.Port}", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_fails_when_the_broker_port_is_closed()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var options = Options();
        options.Mqtt.Host = "127.0.0.1";
        options.Mqtt.Port = closedPort;

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.Equal(1, exitCode);
        Assert.Contains($"FAIL  broker reachable: 127.0.0.1:{closedPort}", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_skips_the_broker_check_before_the_device_is_enrolled()
    {
        var options = Options();
        options.Mqtt.Host = "broker.local";
        options.Mqtt.UseTls = true;
        options.Mqtt.CaCertificatePath = Path.Combine(_dir.Path, "missing-ca.crt");

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.True(exitCode == 0, report);
        Assert.Contains("skip  broker reachable: not configured (", report, StringComparison.Ordinal);
        Assert.Contains("missing-ca.crt is missing: the device is not enrolled)", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_fails_when_the_device_is_enrolled_but_the_pinned_model_key_is_missing()
    {
        var options = Options();
        options.Mqtt.ClientCertificatePath = _dir.WriteText("device.crt", "-----BEGIN CERTIFICATE-----\n");

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  installed model loads and its signature verifies: the device is enrolled", report, StringComparison.Ordinal);
        Assert.Contains("Agent:ModelSigningPublicKeyPath", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_fails_and_names_the_keys_when_the_service_would_refuse_its_configuration()
    {
        using var output = new StringWriter();

        int exitCode = await AgentSelfTest.RunAsync(Options(), ["Agent:Power:Sourc: unknown key"], simulatedSensors: true, output, TestContext.Current.CancellationToken);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  configuration: the service would not start: Agent:Power:Sourc: unknown key", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("ok    one DP-SGD step runs on ONNX Runtime", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_skips_the_configuration_check_when_only_the_identity_of_a_device_not_yet_enrolled_is_missing()
    {
        var options = Options();
        options.Mqtt.ClientCertificatePath = Path.Combine(_dir.Path, "device.crt");
        using var output = new StringWriter();

        int exitCode = await AgentSelfTest.RunAsync(
            options,
            [$"Agent:Mqtt:ClientCertificatePath: ClientCertificatePath file '{options.Mqtt.ClientCertificatePath}' does not exist."],
            simulatedSensors: true,
            output,
            TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, output.ToString());
        Assert.Contains("skip  configuration: not configured (the device is not enrolled", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_fails_when_the_configured_ina219_power_monitor_does_not_answer()
    {
        var options = Options();
        options.Power.Source = FedEdge.Device.Eligibility.PowerSourceKind.Ina219;
        options.Sampling.I2cBus = 250; // no such bus on the test machine

        var (exitCode, report) = await RunAsync(options, simulated: true);

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  power source:", report, StringComparison.Ordinal);
    }

    private AgentOptions Options() => new()
    {
        DeviceId = "selftest-01",
        StateDirectory = Path.Combine(_dir.Path, "state"),
        ModelSigningPublicKeyPath = Path.Combine(_dir.Path, "no-such-key.pub"),
        Mqtt = new() { Host = string.Empty, UseTls = false },
    };

    private static async Task<(int ExitCode, string Report)> RunAsync(AgentOptions options, bool simulated, params ISensorAdapter[] sensors)
    {
        using var output = new StringWriter();
        int exitCode = await AgentSelfTest.RunAsync(options, simulated, sensors, output, BrokerTimeout, TestContext.Current.CancellationToken);
        return (exitCode, output.ToString());
    }

    /// <summary>The device's ledger, as the agent creates it on its first start.</summary>
    private static PrivacyLedger CreateLedger(AgentOptions options)
    {
        Directory.CreateDirectory(options.StateDirectory);
        return PrivacyLedger.Open(Path.Combine(options.StateDirectory, "privacy.ledger"), new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta), new Core.Privacy.RdpAccountant(), TimeProvider.System);
    }

    /// <summary>Writes the pinned key and a model signed with <paramref name="signedWith"/> where the agent installs models.</summary>
    private void InstallModel(AgentOptions options, ECDsa signedWith, ECDsa pinned, ulong version)
    {
        // a device with a model has run: its ledger came first (a model without one is refused, see below)
        CreateLedger(options).Dispose();
        options.ModelSigningPublicKeyPath = _dir.WriteText("model-signing.pub", pinned.ExportSubjectPublicKeyInfoPem());
        var architecture = ModelArchitecture.LogisticRegression(SmartHomeSchema.FeatureNames.Count, SmartHomeSchema.ClassNames.Count);
        var codec = new DenseFloat32Codec();
        byte[] parameters = new byte[codec.MaxEncodedSize(architecture.Layout)];
        int written = codec.Encode(new float[architecture.Layout.TotalLength], architecture.Layout, parameters);
        var model = new ModelSigner(signedWith).Sign(new GlobalModel
        {
            ProtocolMajor = ProtocolVersion.Major,
            Version = version,
            Fleet = options.Fleet,
            Architecture = architecture.ToString(),
            ArchitectureHash = ByteString.CopyFrom(Convert.FromHexString(architecture.Hash())),
            ParametersEncoding = PayloadEncoding.DenseFloat32,
            Parameters = ByteString.CopyFrom(parameters, 0, written),
            CreatedAtUnixMs = 1,
        });
        string directory = Path.Combine(options.StateDirectory, "model");
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "current.model"), model.ToByteArray());
    }

    /// <summary>A sensor whose bus answers with errors: every read fails, as the adapter contract reports it.</summary>
    private sealed class SilentSensor(string name) : ISensorAdapter
    {
        public string Name => name;

        public IReadOnlyList<string> Channels { get; } = ["illuminance_lx"];

        public SensorHealthStatus Health { get; } = new(SensorHealth.Unhealthy, 3, 3, 0, "I/O error on the bus", null, null);

        public bool TryRead(out SensorReading reading)
        {
            reading = default;
            return false;
        }

        public void Dispose()
        {
        }
    }
}
