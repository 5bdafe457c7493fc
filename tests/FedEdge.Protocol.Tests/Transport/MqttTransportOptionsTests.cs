using System.ComponentModel.DataAnnotations;
using FedEdge.Protocol.Transport;

namespace FedEdge.Protocol.Tests.Transport;

public sealed class MqttTransportOptionsTests
{
    [Fact]
    public void Validate_accepts_a_plain_tcp_configuration_with_defaults()
    {
        var options = new MqttTransportOptions { Host = "broker.local", ClientId = "device-01", UseTls = false };

        var exception = Record.Exception(options.Validate);

        Assert.Null(exception);
    }

    [Fact]
    public void Validate_names_every_invalid_setting_in_one_message()
    {
        var options = new MqttTransportOptions
        {
            Host = "",
            ClientId = "device-01",
            Port = 0,
            KeepAlive = TimeSpan.Zero,
            SessionExpiry = TimeSpan.Zero,
            ReconnectBaseDelay = TimeSpan.FromSeconds(10),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
            UseTls = true,
            CaCertificatePath = null,
            ClientCertificatePath = "/nonexistent/client.crt",
        };

        var exception = Assert.Throws<ValidationException>(options.Validate);

        foreach (var name in new[] { "Host", "Port", "KeepAlive", "SessionExpiry", "ReconnectMaxDelay", "CaCertificatePath", "ClientKeyPath" })
        {
            Assert.Contains(name, exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_rejects_a_last_will_topic_with_wildcards()
    {
        var options = new MqttTransportOptions { Host = "h", ClientId = "c", UseTls = false, LastWillTopic = "fededge/v1/+/status/c" };

        var exception = Assert.Throws<ValidationException>(options.Validate);

        Assert.Contains("LastWillTopic", exception.Message, StringComparison.Ordinal);
    }
}
