namespace FedEdge.Device.Sampling;

/// <summary>What became of one finished window.</summary>
public enum WindowOutcome
{
    /// <summary>The window is not finished yet.</summary>
    Pending,

    /// <summary>A labelled sample was appended to the store.</summary>
    Stored,

    /// <summary>No label source gave a known class for the window: nothing stored (no guessing).</summary>
    Unlabelled,

    /// <summary>No sensor delivered enough readings: nothing stored (the vector would be pure imputation).</summary>
    NoReadings,
}
