namespace FedEdge.Core.Codecs;

/// <summary>
/// The outcome of decoding a payload: success, or the <see cref="CodecError"/> and a message naming
/// what was wrong. Success is a shared instance, so an accepted payload allocates nothing.
/// </summary>
public sealed class DecodeResult
{
    private DecodeResult(CodecError error, string message)
    {
        Error = error;
        Message = message;
    }

    /// <summary>The accepted outcome.</summary>
    public static DecodeResult Success { get; } = new(CodecError.None, "ok");

    /// <summary>Why the payload was rejected, or <see cref="CodecError.None"/>.</summary>
    public CodecError Error { get; }

    /// <summary>A human-readable reason ("payload truncated: expected 9656 bytes, got 12").</summary>
    public string Message { get; }

    /// <summary>Whether the payload was accepted.</summary>
    public bool Succeeded => Error == CodecError.None;

    /// <summary>A rejection.</summary>
    public static DecodeResult Failure(CodecError error, string message)
    {
        if (error == CodecError.None)
        {
            throw new ArgumentException("A failure needs an error other than None.", nameof(error));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        return new DecodeResult(error, message);
    }

    /// <summary>Throws a <see cref="CodecException"/> carrying this result's error when it is a rejection.</summary>
    public void ThrowIfFailed()
    {
        if (!Succeeded)
        {
            throw new CodecException(Error, Message);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Succeeded ? Message : $"{Error}: {Message}";
}
