namespace FedEdge.Device.Privacy;

/// <summary>
/// The ledger file is damaged somewhere other than a torn final record. The device cannot know
/// what it has spent, so it must not contribute until an operator looks at the file.
/// </summary>
public sealed class PrivacyLedgerCorruptException : Exception
{
    public PrivacyLedgerCorruptException()
    {
    }

    public PrivacyLedgerCorruptException(string message)
        : base(message)
    {
    }

    public PrivacyLedgerCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
