namespace FedEdge.Core.Aggregation.FedAvg;

/// <summary>Settings of <see cref="FedAvgStrategy"/>, with defaults for a home fleet of a few dozen devices.</summary>
public sealed record FedAvgOptions
{
    /// <summary>C: how many of the available devices are sampled per round (default 10).</summary>
    public int ClientsPerRound { get; init; } = 10;

    /// <summary>The fewest updates a round may close with at its deadline (default 2; 1 would publish one device's update).</summary>
    public int MinClients { get; init; } = 2;

    /// <summary>How long a round waits for its cohort (default 10 minutes).</summary>
    public TimeSpan RoundDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>η, the server learning rate (default 1, which is McMahan et al.'s FedAvg exactly).</summary>
    public double ServerLearningRate { get; init; } = 1.0;

    /// <summary>
    /// The largest sample count an update is weighted by (default 2000, the device's bounded sample window,
    /// <c>Agent:Training:MaxSamples</c>): a device claims its count, and a larger claim is weighted as this many.
    /// </summary>
    public long MaxSampleWeight { get; init; } = DefaultMaxSampleWeight;

    /// <summary>The default of <see cref="MaxSampleWeight"/>: the device's default sample window.</summary>
    public const long DefaultMaxSampleWeight = 2000;

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new OptionErrors();
        errors.Require(ClientsPerRound >= 1, $"ClientsPerRound must be ≥ 1, got {ClientsPerRound}");
        errors.Require(MinClients >= 1 && MinClients <= ClientsPerRound, $"MinClients must lie in [1, ClientsPerRound = {ClientsPerRound}], got {MinClients}");
        errors.Require(RoundDuration > TimeSpan.Zero, $"RoundDuration must be positive, got {RoundDuration}");
        errors.Require(ServerLearningRate > 0.0 && double.IsFinite(ServerLearningRate), $"ServerLearningRate must be positive and finite, got {ServerLearningRate}");
        errors.Require(MaxSampleWeight >= 1, $"MaxSampleWeight must be ≥ 1, got {MaxSampleWeight}");
        errors.ThrowIfAny(nameof(FedAvgOptions));
    }
}
