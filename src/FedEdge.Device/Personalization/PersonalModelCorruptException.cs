namespace FedEdge.Device.Personalization;

/// <summary>
/// The stored personal model file is unreadable (truncated, checksum mismatch, wrong shape). The
/// file is left where it is for inspection; the previous file, if any, is still available.
/// </summary>
public sealed class PersonalModelCorruptException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PersonalModelCorruptException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PersonalModelCorruptException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public PersonalModelCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
