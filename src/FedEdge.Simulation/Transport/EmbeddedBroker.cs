using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace FedEdge.Simulation.Transport;

/// <summary>
/// An in-process MQTTnet broker on a free 127.0.0.1 port, so <c>fededge simulate</c> needs no setup.
/// Loopback only and without TLS: nothing leaves the machine. The simulation's clients still speak
/// real MQTT 5 to it over TCP through the product's transport.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private EmbeddedBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; }

    /// <summary>Starts a broker.</summary>
    public static async Task<EmbeddedBroker> StartAsync()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .WithPersistentSessions(true)
            .Build();
        var server = factory.CreateMqttServer(options);
        await server.StartAsync().ConfigureAwait(false);
        return new EmbeddedBroker(server, port);
    }

    /// <summary>The endpoint simulated clients connect to.</summary>
    public BrokerEndpoint Endpoint => new("127.0.0.1", Port, UseTls: false, null, null);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        _server.Dispose();
    }
}
