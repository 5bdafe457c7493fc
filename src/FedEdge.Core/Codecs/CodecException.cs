namespace FedEdge.Core.Codecs;

/// <summary>A payload from outside was rejected by a codec; <see cref="Error"/> says why.</summary>
public sealed class CodecException : Exception
{
    /// <summary>Creates an exception with no specific reason.</summary>
    public CodecException()
        : this("The update payload was rejected.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public CodecException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public CodecException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for a specific rejection.</summary>
    public CodecException(CodecError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>Why the payload was rejected.</summary>
    public CodecError Error { get; }
}
