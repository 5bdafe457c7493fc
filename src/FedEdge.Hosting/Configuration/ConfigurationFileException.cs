namespace FedEdge.Hosting.Configuration;

/// <summary>A settings file that is missing, unreadable or not valid JSON; the message names the file.</summary>
public sealed class ConfigurationFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConfigurationFileException()
    {
    }

    /// <summary>Creates the exception with a message naming the file.</summary>
    public ConfigurationFileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message naming the file and the parser's error.</summary>
    public ConfigurationFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
