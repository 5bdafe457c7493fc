namespace FedEdge.Simulation.Results;

/// <summary>The outcome of one strategy on one seed.</summary>
public sealed record RunResult
{
    /// <summary>Strategy name (fedavg, fedbuff, ftte).</summary>
    public required string Strategy { get; init; }

    /// <summary>The seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Accuracy of the initial model.</summary>
    public required double InitialAccuracy { get; init; }

    /// <summary>Accuracy of the last model.</summary>
    public required double FinalAccuracy { get; init; }

    /// <summary>Best accuracy reached.</summary>
    public required double BestAccuracy { get; init; }

    /// <summary>Last model version.</summary>
    public required long FinalVersion { get; init; }

    /// <summary>Simulated hours until the target accuracy was first reached; null if never.</summary>
    public required double? HoursToTarget { get; init; }

    /// <summary>Simulated hours the run covered.</summary>
    public required double SimulatedHours { get; init; }

    /// <summary>Update bytes received by the aggregator (the ModelUpdate messages, as on the wire).</summary>
    public required long UploadBytes { get; init; }

    /// <summary>Update bytes received until the target was reached; null if never.</summary>
    public required long? UploadBytesToTarget { get; init; }

    /// <summary>Updates the aggregator accepted.</summary>
    public required long AcceptedUpdates { get; init; }

    /// <summary>Updates the aggregator rejected (stale, not in cohort, ...), by reason.</summary>
    public required IReadOnlyDictionary<string, long> Rejected { get; init; }

    /// <summary>Local runs stopped because the device stopped being idle and charging.</summary>
    public required long InterruptedRuns { get; init; }

    /// <summary>Contributions refused by a device's privacy ledger.</summary>
    public required long BudgetRefusals { get; init; }

    /// <summary>Check-ins made inside a device's charging window (dropped ones apart).</summary>
    public long CheckIns { get; init; }

    /// <summary>Of <see cref="CheckIns"/>, those with nothing new (model, pace and outbox as at the device's last session): no broker session.</summary>
    public long QuietCheckIns { get; init; }

    /// <summary>
    /// Check-ins at which a device had a model to train and sat it out because training the whole model is over its board's
    /// budget (<see cref="Running.SimulationOptions.OverBudgetSitsOut"/>; 0 otherwise).
    /// </summary>
    public long OverBudgetSitOuts { get; init; }

    /// <summary>Broker sessions devices opened to check in or upload (status publications and secure aggregation apart).</summary>
    public long BrokerSessions { get; init; }

    /// <summary>
    /// Peak training memory on the most constrained board: the most any FTTE subset the server assigned needs, or of the whole
    /// model (other strategies), from the <see cref="FedEdge.Core.Aggregation.Ftte.TrainingMemoryModel"/> the FTTE server
    /// plans with (parameters, gradients, optimizer state of the trainable part; frozen weights; the gradient copies the
    /// subset graph forms for every tensor a subset touches; no activations). With
    /// subsets per memory class (the default) the boards that can hold the whole model train all of it and need the
    /// whole model's figure; FTTE's saving is the constrained board's.
    /// </summary>
    public required long PeakTrainingMemoryBytes { get; init; }

    /// <summary>Trainable coordinates per update on the most constrained board (the FTTE subset size, or all).</summary>
    public required int TrainableCoordinates { get; init; }

    /// <summary>ε spent per device (fleet order): as the ledger charged it, against anyone who sees only the models.</summary>
    public required IReadOnlyList<double> EpsilonPerDevice { get; init; }

    /// <summary>
    /// ε per device against the aggregator, which sees who sent (fleet order): with random check-ins the joined rounds
    /// unamplified; without them the same as <see cref="EpsilonPerDevice"/>. Empty in summaries written before check-ins.
    /// </summary>
    public IReadOnlyList<double> EpsilonAgainstAggregatorPerDevice { get; init; } = [];

    /// <summary>The devices' user-level noise multiplier z (null without user-level DP; with distributed DP the group's z).</summary>
    public double? NoiseMultiplier { get; init; }

    /// <summary>The fleet's ε over simulated time for both observers (with DP; empty without, and in older summaries).</summary>
    public IReadOnlyList<PrivacyPoint> PrivacyTimeline { get; init; } = [];

    /// <summary><c>--dp distributed</c>: groups, dropouts and the noise on the aggregate (null otherwise).</summary>
    public SecureAggregationResult? SecureAggregation { get; init; }

    /// <summary>Mean over devices of <see cref="EpsilonPerDevice"/> (0 for an empty fleet).</summary>
    public double MeanEpsilon => EpsilonPerDevice.Count == 0 ? 0 : EpsilonPerDevice.Average();

    /// <summary>Largest <see cref="EpsilonPerDevice"/> (0 for an empty fleet).</summary>
    public double MaxEpsilon => EpsilonPerDevice.Count == 0 ? 0 : EpsilonPerDevice.Max();

    /// <summary>Mean over devices of <see cref="EpsilonAgainstAggregatorPerDevice"/> (0 when not recorded).</summary>
    public double MeanEpsilonAgainstAggregator => EpsilonAgainstAggregatorPerDevice.Count == 0 ? 0 : EpsilonAgainstAggregatorPerDevice.Average();

    /// <summary>Largest <see cref="EpsilonAgainstAggregatorPerDevice"/> (0 when not recorded).</summary>
    public double MaxEpsilonAgainstAggregator => EpsilonAgainstAggregatorPerDevice.Count == 0 ? 0 : EpsilonAgainstAggregatorPerDevice.Max();

    /// <summary>Count of accepted updates by staleness (index = versions behind).</summary>
    public required IReadOnlyList<long> StalenessHistogram { get; init; }

    /// <summary>Participation per board class.</summary>
    public required IReadOnlyList<MemoryClassParticipation> Participation { get; init; }

    /// <summary>The model after every server step.</summary>
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }

    /// <summary>Per-device personalization results (null when not asked for).</summary>
    public PersonalizationResult? Personalization { get; init; }

    /// <summary>SHA-256 (hex) of the final global parameters as little-endian float32: equal models, equal hashes.</summary>
    public required string FinalModelSha256 { get; init; }

    /// <summary>Wall-clock seconds the run took (the only field that differs between two runs of one seed).</summary>
    public required double WallSeconds { get; init; }
}
