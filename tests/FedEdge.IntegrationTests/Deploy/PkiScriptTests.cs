using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Transport;
using MQTTnet;
using MQTTnet.Exceptions;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// The deploy/pki scripts make a PKI that the production broker configuration (deploy/mosquitto) accepts for
/// enrolled devices and refuses for everyone else.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PkiScriptTests(ScriptPkiFixture fixture) : IClassFixture<ScriptPkiFixture>
{
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    private ScriptPki Pki => fixture.Pki;

    private DeployedBroker Broker => fixture.Broker;

    [Fact]
    public async Task Enrolled_device_connects_with_the_files_its_agent_json_names()
    {
        var options = await EnrolledOptionsAsync();

        var exception = await Record.ExceptionAsync(() => ConnectOnceAsync(options));

        Assert.True(exception is null, $"{exception}{Environment.NewLine}{Broker.Log}");
    }

    [Fact]
    public async Task Device_without_a_certificate_is_refused()
    {
        var options = await EnrolledOptionsAsync();
        options.ClientCertificatePath = null;
        options.ClientKeyPath = null;

        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => ConnectOnceAsync(options));
        Assert.True(await Broker.LogContainsAsync("peer did not return a certificate", TimeSpan.FromSeconds(5)), Broker.Log);
    }

    [Fact]
    public async Task Device_with_a_certificate_from_another_CA_is_refused()
    {
        var options = await EnrolledOptionsAsync();
        options.ClientCertificatePath = Path.Combine(Pki.RogueDeviceDirectory, ScriptPki.DeviceId + ".crt");
        options.ClientKeyPath = Path.Combine(Pki.RogueDeviceDirectory, ScriptPki.DeviceId + ".key");

        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => ConnectOnceAsync(options));
        Assert.True(await Broker.LogContainsAsync("certificate verify failed", TimeSpan.FromSeconds(5)), Broker.Log);
    }

    [Fact]
    public async Task Aggregator_certificate_connects()
    {
        var options = await EnrolledOptionsAsync();
        options.ClientId = "aggregator";
        options.ClientCertificatePath = Path.Combine(Pki.AggregatorDirectory, "aggregator.crt");
        options.ClientKeyPath = Path.Combine(Pki.AggregatorDirectory, "aggregator.key");

        var exception = await Record.ExceptionAsync(() => ConnectOnceAsync(options));

        Assert.True(exception is null, $"{exception}{Environment.NewLine}{Broker.Log}");
    }

    [Fact]
    public async Task Home_Assistant_certificate_connects_as_homeassistant()
    {
        var options = await EnrolledOptionsAsync();
        options.ClientId = "homeassistant";
        options.CaCertificatePath = Path.Combine(Pki.HomeAssistantDirectory, "ca.crt");
        options.ClientCertificatePath = Path.Combine(Pki.HomeAssistantDirectory, "homeassistant.crt");
        options.ClientKeyPath = Path.Combine(Pki.HomeAssistantDirectory, "homeassistant.key");

        var exception = await Record.ExceptionAsync(() => ConnectOnceAsync(options));

        Assert.True(exception is null, $"{exception}{Environment.NewLine}{Broker.Log}");
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(options.ClientCertificatePath);
        Assert.Equal("homeassistant", certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: false));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(options.ClientKeyPath));
    }

    [Fact]
    public async Task Home_Assistant_script_refuses_to_overwrite_an_existing_key()
    {
        var run = await Pki.TryRunAsync("make-homeassistant-cert.sh", ["homeassistant"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("refusing to overwrite a private key", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Enrolment_leaves_the_key_owner_only_and_the_public_files_world_readable()
    {
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        const UnixFileMode worldReadable = ownerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

        Assert.Equal(ownerOnly, File.GetUnixFileMode(Path.Combine(Pki.EnrolledDirectory, "device.key")));
        Assert.All(
            ["device.crt", "ca.crt", "model-signing.pub.pem", "agent.json"],
            name => Assert.Equal(worldReadable, File.GetUnixFileMode(Path.Combine(Pki.EnrolledDirectory, name))));
        Assert.False(File.Exists(Path.Combine(Pki.EnrolledDirectory, "model-signing.key")));
    }

    [Fact]
    public async Task Enrolled_public_key_pins_the_key_the_aggregator_signs_with()
    {
        var privatePem = await File.ReadAllTextAsync(Path.Combine(Pki.SigningDirectory, "model-signing.key"), TestContext.Current.CancellationToken);
        var pinnedPem = await File.ReadAllTextAsync(Path.Combine(Pki.EnrolledDirectory, "model-signing.pub.pem"), TestContext.Current.CancellationToken);

        var signer = ModelSigner.FromPem(privatePem, out var key);
        using (key)
        {
            Assert.Equal(signer.KeyId, PinnedModelKey.FromPem(pinnedPem).KeyId);
        }
    }

    [Theory]
    [InlineData("aggregator")]
    [InlineData("homeassistant")]
    [InlineData("HomeAssistant")]
    [InlineData("Aggregator")]
    [InlineData("kitchen.local")]
    [InlineData("localhost")]
    [InlineData("pi.1")]
    [InlineData("a/b")]
    [InlineData("dev+1")]
    [InlineData("-rf")]
    public async Task Device_scripts_refuse_an_id_that_is_reserved_looks_like_a_host_name_or_is_not_one_topic_level(string id)
    {
        var run = await Pki.TryRunAsync("make-device-cert.sh", [id, "refused"]);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("device id", run.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(Pki.Directory, "refused")));
    }

    [Theory]
    [InlineData("homeassistant")]
    [InlineData("aggregator")]
    [InlineData("kitchen.local")]
    [InlineData("localhost")]
    public async Task The_CA_refuses_to_sign_a_device_CSR_that_claims_a_reserved_identity_or_a_host_name(string cn)
    {
        // a CSR made without make-device-csr.sh: the CA's own check is what stands between it and a certificate
        string dir = Path.Combine(Pki.Directory, "claims-" + cn);
        Directory.CreateDirectory(dir);
        string key = Path.Combine(dir, "claim.key");
        string csr = Path.Combine(dir, cn + ".csr");
        Assert.Equal(0, (await ToolRun.RunAsync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key])).ExitCode);
        Assert.Equal(0, (await ToolRun.RunAsync("openssl", ["req", "-new", "-key", key, "-subj", "/O=FedEdge/CN=" + cn, "-out", csr])).ExitCode);

        var run = await Pki.TryRunAsync("sign-device-csr.sh", [csr, Path.Combine(dir, "signed")]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("device id", run.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "signed", cn + ".crt")));
    }

    [Theory]
    [InlineData("device-etc/device.crt", ClientAuth)]
    [InlineData("aggregator/aggregator.crt", ClientAuth)]
    [InlineData("homeassistant/homeassistant.crt", ClientAuth)]
    [InlineData("rogue-devices/kitchen-01.crt", ClientAuth)]
    [InlineData("broker/broker.crt", ServerAuth)]
    public void Every_certificate_is_for_one_side_of_TLS_only(string file, string usage)
    {
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Pki.Directory, file));

        Assert.Equal([usage], Usages(certificate));
    }

    [Fact]
    public async Task The_CA_copies_neither_a_usage_nor_a_name_from_a_device_CSR()
    {
        string dir = Path.Combine(Pki.Directory, "asks-for-more");
        Directory.CreateDirectory(dir);
        string csr = Path.Combine(dir, "greedy-01.csr");
        var request = await ToolRun.RunAsync("openssl", [
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", Path.Combine(dir, "greedy-01.key"),
            "-subj", "/O=FedEdge/CN=greedy-01", "-addext", "extendedKeyUsage=serverAuth,clientAuth", "-addext", "subjectAltName=DNS:localhost,DNS:mqtt.home.lan",
            "-out", csr]);
        Assert.True(request.ExitCode == 0, request.ToString());

        var run = await Pki.TryRunAsync("sign-device-csr.sh", [csr, dir]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(dir, "greedy-01.crt"));
        Assert.Equal([ClientAuth], Usages(certificate));
        Assert.DoesNotContain(certificate.Extensions, e => e.Oid?.Value == "2.5.29.17"); // subjectAltName
    }

    [Fact]
    public async Task The_CA_starts_with_an_empty_revocation_list_that_the_broker_folder_carries()
    {
        string issued = await File.ReadAllTextAsync(Path.Combine(Pki.BrokerDirectory, "crl.pem"), TestContext.Current.CancellationToken);
        var text = await ToolRun.RunAsync("openssl", ["crl", "-in", Path.Combine(Pki.BrokerDirectory, "crl.pem"), "-noout", "-text"]);

        Assert.Contains("No Revoked Certificates", text.StandardOutput, StringComparison.Ordinal);
        var verify = await ToolRun.RunAsync("openssl", ["crl", "-in", Path.Combine(Pki.BrokerDirectory, "crl.pem"), "-noout", "-CAfile", Path.Combine(Pki.CaDirectory, "ca.crt")]);
        Assert.Contains("verify OK", verify.StandardOutput + verify.StandardError, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN X509 CRL-----", issued, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoke_lists_every_certificate_issued_to_an_identity_once()
    {
        await Pki.RunAsync("make-device-cert.sh", ["twice-01", "twice-a"]);
        await Pki.RunAsync("make-device-cert.sh", ["twice-01", "twice-b"]);
        string[] serials = [Serial("twice-a/twice-01.crt"), Serial("twice-b/twice-01.crt")];

        var first = await Pki.TryRunAsync("revoke.sh", ["twice-01"]);
        var again = await Pki.TryRunAsync("revoke.sh", ["twice-01"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("already revoked", again.StandardOutput, StringComparison.Ordinal);
        var crl = await ToolRun.RunAsync("openssl", ["crl", "-in", Path.Combine(Pki.CaDirectory, "crl.pem"), "-noout", "-text"]);
        Assert.All(serials, serial => Assert.Single(crl.StandardOutput.Split('\n'), line => line.Trim() == "Serial Number: " + serial));
    }

    [Fact]
    public async Task Revoke_refuses_an_identity_it_has_no_record_of_and_a_certificate_of_another_CA()
    {
        var unknown = await Pki.TryRunAsync("revoke.sh", ["never-issued"]);
        var foreign = await Pki.TryRunAsync("revoke.sh", ["--cert", Path.Combine(Pki.RogueDeviceDirectory, ScriptPki.DeviceId + ".crt")]);

        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no certificate issued to 'never-issued'", unknown.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, foreign.ExitCode);
        Assert.Contains("was not issued by", foreign.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ScriptPki.DeviceId)]
    [InlineData("Aggregator")]
    [InlineData("homeassistant")]
    public async Task A_broker_name_that_is_a_device_or_client_identity_is_refused(string name)
    {
        string output = Path.Combine(Pki.Directory, "broker-as-" + name);

        var run = await Pki.TryRunAsync("make-broker-cert.sh", [name], ("OUT_DIR", output));

        Assert.Equal(1, run.ExitCode);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Scripts_print_usage_when_called_without_arguments()
    {
        var run = await Pki.TryRunAsync("enroll-device.sh", []);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("usage: enroll-device.sh <device-id>", run.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Transport options exactly as the enrolled agent.json describes them, pointed at the test broker.</summary>
    private async Task<MqttTransportOptions> EnrolledOptionsAsync()
    {
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Pki.EnrolledDirectory, "agent.json"), TestContext.Current.CancellationToken));
        var mqtt = json.RootElement.GetProperty("Agent").GetProperty("Mqtt");
        return new MqttTransportOptions
        {
            Host = mqtt.GetProperty("Host").GetString()!,
            Port = Broker.Port,
            ClientId = mqtt.GetProperty("ClientId").GetString()!,
            UseTls = mqtt.GetProperty("UseTls").GetBoolean(),
            CaCertificatePath = mqtt.GetProperty("CaCertificatePath").GetString(),
            ClientCertificatePath = mqtt.GetProperty("ClientCertificatePath").GetString(),
            ClientKeyPath = mqtt.GetProperty("ClientKeyPath").GetString(),
            OperationTimeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>One connect attempt with the transport's own TLS settings (as AuthenticationTests does).</summary>
    private static async Task ConnectOnceAsync(MqttTransportOptions options)
    {
        using var tls = TlsCredentials.Load(options);
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(ReconnectingMqttClient.BuildClientOptions(options, tls), TestContext.Current.CancellationToken);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), TestContext.Current.CancellationToken);
    }

    private static string[] Usages(X509Certificate2 certificate) =>
        [.. certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Select(o => o.Value!)];

    private string Serial(string certificate)
    {
        using var loaded = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(Pki.Directory, certificate));
        return loaded.SerialNumber;
    }
}
