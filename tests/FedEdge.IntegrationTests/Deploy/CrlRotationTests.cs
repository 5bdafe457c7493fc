using System.Buffers;
using System.Text;
using FedEdge.Protocol.Topics;
using MQTTnet;
using MQTTnet.Exceptions;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// How a new revocation list reaches the shipped broker, and why the procedure in deploy/pki/README.md is "install and
/// restart": a restart keeps what is queued for the offline aggregator, a reload (SIGHUP) does not in mosquitto
/// 2.0.11, and a list past its next update locks out every client until it is refreshed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CrlRotationTests(HostileFleetFixture fleet) : IClassFixture<HostileFleetFixture>, IAsyncDisposable
{
    private const string Fleet = "home";
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _root = Path.Combine(fleet.Pki.Directory, "rotation-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restarting_with_a_new_CRL_refuses_the_revoked_device_and_keeps_the_updates_queued_for_the_offline_aggregator()
    {
        var broker = await BrokerAsync();
        await LeaveAggregatorSessionAsync(broker);
        string sender = HostileFleetFixture.Honest[0];
        await PublishAsync(broker, sender, "queued-1");
        await PublishAsync(broker, sender, "queued-2");
        string revoked = await NewDeviceAsync("rotated-out");
        await using (await DeployedClient.ConnectAsync(fleet.Options(broker, revoked), null, Ct))
        {
            // admitted until the list says otherwise
        }

        await RevokeAndInstallAsync(broker, revoked);
        await broker.RestartAsync();

        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => DeployedClient.ConnectAsync(fleet.Options(broker, revoked), null, Ct));
        Assert.Equal(["queued-1", "queued-2"], await AggregatorReceivesAsync(broker));
    }

    [Fact]
    public async Task Mosquitto_2_0_11_loses_updates_acknowledged_after_a_SIGHUP_until_the_offline_aggregator_returns()
    {
        // why the systemd drop-in refuses `systemctl reload mosquitto` and revoke.sh says restart; if a newer mosquitto
        // passes this, reloading may be allowed again (deploy/mosquitto/README.md, "Revocation")
        var broker = await BrokerAsync();
        await LeaveAggregatorSessionAsync(broker);
        string sender = HostileFleetFixture.Honest[1];
        await PublishAsync(broker, sender, "before-reload");

        await broker.ReloadAsync();
        await PublishAsync(broker, sender, "after-reload"); // PUBACK 0: the broker took responsibility for it

        Assert.Equal(["before-reload"], await AggregatorReceivesAsync(broker));
        Assert.False(broker.HasExited, broker.Log);
    }

    [Fact]
    public async Task An_expired_CRL_refuses_every_client_until_revoke_refresh_signs_it_anew()
    {
        var broker = await BrokerAsync();
        string expired = Path.Combine(broker.CertificateDirectory, "crl.pem");
        var sign = await ToolRun.RunAsync("openssl", [
            "ca", "-config", Path.Combine(fleet.Pki.CaDirectory, "openssl-ca.cnf"), "-gencrl",
            "-crl_lastupdate", "20200101000000Z", "-crl_nextupdate", "20200102000000Z", "-out", expired]);
        Assert.True(sign.ExitCode == 0, sign.ToString());
        await broker.RestartAsync();

        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => DeployedClient.ConnectAsync(fleet.Options(broker, "aggregator"), null, Ct));

        var refresh = await fleet.Pki.TryRunAsync("revoke.sh", ["--refresh"]);
        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        File.Copy(Path.Combine(fleet.Pki.CaDirectory, "crl.pem"), expired, overwrite: true);
        await broker.RestartAsync();

        await using var aggregator = await DeployedClient.ConnectAsync(fleet.Options(broker, "aggregator"), null, Ct);
        Assert.True(aggregator.IsConnected);
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    /// <summary>A broker on its own copy of the broker folder, so its crl.pem can be replaced.</summary>
    private async Task<DeployedBroker> BrokerAsync()
    {
        string certificates = Path.Combine(_root, "broker-certs");
        Directory.CreateDirectory(certificates);
        foreach (string file in Directory.GetFiles(fleet.Pki.BrokerDirectory))
        {
            File.Copy(file, Path.Combine(certificates, Path.GetFileName(file)));
        }

        var broker = await DeployedBroker.StartAsync(certificates);
        _owned.Add(broker);
        return broker;
    }

    /// <summary>The aggregator's persistent session and subscription, as the service makes them, left offline.</summary>
    private async Task LeaveAggregatorSessionAsync(DeployedBroker broker)
    {
        await using var aggregator = await DeployedClient.ConnectAsync(fleet.Options(broker, "aggregator"), null, Ct);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, await aggregator.SubscribeAsync(TopicScheme.AllUpdatesFilter(Fleet), Ct));
    }

    /// <summary>The aggregator comes back (session resumed, no new SUBSCRIBE) and collects for 3 s.</summary>
    private async Task<string[]> AggregatorReceivesAsync(DeployedBroker broker)
    {
        await using var aggregator = await DeployedClient.ConnectAsync(fleet.Options(broker, "aggregator"), null, Ct);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        return [.. aggregator.Received.Select(m => Encoding.UTF8.GetString(m.Payload.ToArray()))];
    }

    private async Task PublishAsync(DeployedBroker broker, string device, string payload)
    {
        await using var client = await DeployedClient.ConnectAsync(fleet.Options(broker, device), null, Ct);
        Assert.Equal(MqttClientPublishReasonCode.Success, await client.PublishAsync(TopicScheme.Updates(Fleet, device), Encoding.UTF8.GetBytes(payload), retain: false, Ct));
    }

    /// <summary>A device certificate of its own for one test (make-device-cert.sh), so revoking it touches no other test.</summary>
    private async Task<string> NewDeviceAsync(string prefix)
    {
        string id = prefix + "-" + Guid.NewGuid().ToString("N")[..8];
        await fleet.Pki.RunAsync("make-device-cert.sh", [id, "devices"]);
        return id;
    }

    private async Task RevokeAndInstallAsync(DeployedBroker broker, string device)
    {
        var revoke = await fleet.Pki.TryRunAsync("revoke.sh", [device]);
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        File.Copy(Path.Combine(fleet.Pki.CaDirectory, "crl.pem"), Path.Combine(broker.CertificateDirectory, "crl.pem"), overwrite: true);
    }
}
