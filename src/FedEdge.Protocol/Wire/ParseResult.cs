using System.Diagnostics.CodeAnalysis;

namespace FedEdge.Protocol.Wire;

/// <summary>The outcome of parsing a received wire message: the message, or the error and a reason for the log.</summary>
/// <typeparam name="T">The message type.</typeparam>
public sealed class ParseResult<T>
    where T : class
{
    /// <summary>An accepted message.</summary>
    internal ParseResult(T message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Message = message;
        Error = WireError.None;
        Reason = "ok";
    }

    /// <summary>A rejection.</summary>
    internal ParseResult(WireError error, string reason)
    {
        if (error == WireError.None)
        {
            throw new ArgumentException("A rejection needs an error other than None.", nameof(error));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Error = error;
        Reason = reason;
    }

    /// <summary>The parsed and validated message; null when rejected.</summary>
    public T? Message { get; }

    /// <summary>Why the message was rejected, or <see cref="WireError.None"/>.</summary>
    public WireError Error { get; }

    /// <summary>"ok", or a human-readable reason naming the offending field or limit.</summary>
    public string Reason { get; }

    /// <summary>Whether the message was accepted.</summary>
    [MemberNotNullWhen(true, nameof(Message))]
    public bool Succeeded => Error == WireError.None;

    /// <summary>As a Try-pattern: the message when accepted, else null and the reason.</summary>
    public bool TryGet([NotNullWhen(true)] out T? message, out string reason)
    {
        message = Message;
        reason = Reason;
        return Succeeded;
    }

    /// <inheritdoc/>
    public override string ToString() => Succeeded ? Reason : $"{Error}: {Reason}";
}
