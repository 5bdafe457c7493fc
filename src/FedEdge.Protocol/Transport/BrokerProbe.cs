using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;

namespace FedEdge.Protocol.Transport;

/// <summary>
/// Is the broker reachable with these settings? Opens a TCP connection and, with TLS, completes the handshake with
/// the client certificate, the broker's certificate checked by <see cref="BrokerCertificatePolicy"/> — the same
/// checks <see cref="ReconnectingMqttClient"/> makes.
/// It sends no MQTT packet: a CONNECT with the device's client id would take over the running agent's session
/// (MQTT 5 §3.1.4, the broker disconnects the existing client).
/// </summary>
public static class BrokerProbe
{
    /// <summary>Probes the broker; returns a one-line description of what answered.</summary>
    /// <exception cref="TransportUnavailableException">No connection or no TLS handshake within <paramref name="timeout"/>, or the TLS files cannot be read.</exception>
    public static async Task<string> ProbeAsync(MqttTransportOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Host);
        string endpoint = options.Host + ":" + options.Port.ToString(CultureInfo.InvariantCulture);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var tcp = new TcpClient();
        TlsCredentials? credentials = null;
        try
        {
            await tcp.ConnectAsync(options.Host, options.Port, deadline.Token).ConfigureAwait(false);
            if (!options.UseTls)
            {
                return $"TCP connect to {endpoint} (plain, no TLS)";
            }

            credentials = TlsCredentials.Load(options);
            string brokerName = options.TlsTargetHost ?? options.Host;
            await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(credentials.ToSslOptions(brokerName), deadline.Token).ConfigureAwait(false);
            return $"TLS {tls.SslProtocol} handshake with {endpoint}, broker certificate for '{brokerName}' (serverAuth) chains to the pinned CA";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransportUnavailableException($"No answer from {endpoint} within {timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s.");
        }
        catch (System.Security.Authentication.AuthenticationException ex) when (credentials?.LastRefusal is string refusal)
        {
            throw new TransportUnavailableException($"{endpoint}: broker certificate refused: {refusal}.", ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new TransportUnavailableException($"{endpoint}: {ex.Message}", ex);
        }
        finally
        {
            credentials?.Dispose();
        }
    }
}
