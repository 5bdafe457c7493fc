namespace FedEdge.Protocol.Transport;

/// <summary>
/// The connection to the broker broke while an operation was in flight; the operation's outcome is unknown and the
/// caller should retry once the client has reconnected.
/// </summary>
public sealed class TransportUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TransportUnavailableException() : base("The MQTT connection is not available.") { }

    /// <summary>Creates the exception with a message.</summary>
    public TransportUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the transport error.</summary>
    public TransportUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
