using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FedEdge.IntegrationTests;

/// <summary>
/// Ports for the listeners the tests start (mosquitto, the aggregator's metrics endpoint). A port the kernel hands out
/// for port 0 comes from the ephemeral range, which every outgoing connection of every test running beside draws its
/// local port from: between the pick and the listener's bind one of them can take it ("Address already in use", seen in
/// CI). So the port is drawn at random below that range, where only listeners live, and is checked free on every address.
/// </summary>
internal static class LoopbackPorts
{
    private const int Lowest = 20000;

    /// <summary>A port no listener holds now, below the ephemeral range when the machine leaves room for one.</summary>
    public static int Free()
    {
        int ephemeralStart = EphemeralStart();
        if (ephemeralStart - 1 > Lowest)
        {
            for (int attempt = 0; attempt < 100; attempt++)
            {
                int port = System.Security.Cryptography.RandomNumberGenerator.GetInt32(Lowest, ephemeralStart);
                try
                {
                    using var probe = new TcpListener(IPAddress.Any, port);
                    probe.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // held by another listener: draw again
                }
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The first port of the kernel's ephemeral range (Linux's default 32768 when it cannot be read).
    private static int EphemeralStart()
    {
        try
        {
            string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return range.Length == 2 && int.TryParse(range[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int start) ? start : 32768;
        }
        catch (IOException)
        {
            return 32768;
        }
    }
}
