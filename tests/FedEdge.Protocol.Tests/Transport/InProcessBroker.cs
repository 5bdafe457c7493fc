using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace FedEdge.Protocol.Tests.Transport;

/// <summary>An MQTTnet server on a free 127.0.0.1 port (no TLS) that can be stopped and started again on that port.</summary>
public sealed class InProcessBroker : IAsyncDisposable
{
    private readonly Action<MqttServer> _configure;
    private MqttServer? _server;

    private InProcessBroker(int port, Action<MqttServer> configure)
    {
        Port = port;
        _configure = configure;
    }

    public int Port { get; }

    public MqttServer Server => _server ?? throw new InvalidOperationException("The broker is stopped.");

    /// <summary>A broker that is not started yet (for tests that begin with the broker down).</summary>
    public static InProcessBroker Create(Action<MqttServer>? configure = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new InProcessBroker(((IPEndPoint)listener.LocalEndpoint).Port, configure ?? (_ => { }));
    }

    public static async Task<InProcessBroker> StartAsync(Action<MqttServer>? configure = null)
    {
        var broker = Create(configure);
        await broker.StartAgainAsync();
        return broker;
    }

    /// <summary>Starts a fresh server (no sessions, no subscriptions) on the same port.</summary>
    public async Task StartAgainAsync()
    {
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(Port)
            .WithDefaultEndpointReuseAddress()
            .WithPersistentSessions(true)
            .Build();
        _server = factory.CreateMqttServer(options);
        _configure(_server);
        await _server.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.StopAsync(new MqttServerStopOptions());
            server.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
