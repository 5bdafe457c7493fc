namespace FedEdge.Device.Privacy;

/// <summary>A planned training run would take the device past its privacy budget; nothing was recorded or run.</summary>
public sealed class PrivacyBudgetExceededException : Exception
{
    public PrivacyBudgetExceededException()
    {
    }

    public PrivacyBudgetExceededException(string message)
        : base(message)
    {
    }

    public PrivacyBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>ε already spent.</summary>
    public double SpentEpsilon { get; init; }

    /// <summary>ε the device would have spent after the planned run.</summary>
    public double PlannedEpsilon { get; init; }

    /// <summary>The budget's ε.</summary>
    public double BudgetEpsilon { get; init; }
}
