namespace FedEdge.Sensors.Storage;

/// <summary>The sample store file exists but does not match the options (feature or class count) or is not a FedEdge store.</summary>
public sealed class SampleStoreFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SampleStoreFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SampleStoreFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public SampleStoreFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
