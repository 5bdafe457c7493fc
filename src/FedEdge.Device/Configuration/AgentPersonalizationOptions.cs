using System.ComponentModel.DataAnnotations;
using FedEdge.Device.Personalization;

namespace FedEdge.Device.Configuration;

/// <summary>
/// The <c>Agent:Personalization</c> section: on-device personalization (issue 8/8, issue 18 item 6).
/// Mode Auto (the default) keeps a Head, a Ditto per λ and a LocalOnly model and serves whichever of
/// them or the global model wins on local validation; None keeps no personal model and serves the
/// global model.
/// </summary>
public sealed class AgentPersonalizationOptions
{
    /// <summary>Auto, Head (FedPer/FedRep), Ditto, LocalOnly or None. Default Auto.</summary>
    public PersonalizationMode Mode { get; set; } = PersonalizationMode.Auto;

    /// <summary>Ditto's λ in (λ/2)·‖v − w_global‖² (Li et al. 2021, eq. 2) in Ditto mode (Auto tries 0.01, 0.1 and 1). Default 0.1.</summary>
    [Range(0.0, 1e6)]
    public float ProximalLambda { get; set; } = 0.1f;

    /// <summary>Epochs over the local training split per personal run. Default 5.</summary>
    [Range(1, 1000)]
    public int Epochs { get; set; } = 5;

    /// <summary>SGD learning rate. Default 0.05.</summary>
    [Range(1e-9, 100.0)]
    public float LearningRate { get; set; } = 0.05f;

    /// <summary>SGD momentum. Default 0.9.</summary>
    [Range(0.0, 0.999)]
    public float Momentum { get; set; } = 0.9f;

    /// <summary>Mini-batch size. Default 16.</summary>
    [Range(1, 4096)]
    public int BatchSize { get; set; } = 16;

    /// <summary>No personal training on fewer training samples. Default 10.</summary>
    [Range(1, 10_000_000)]
    public int MinTrainingSamples { get; set; } = 10;

    /// <summary>At most this many newest training samples per run. Default 2000.</summary>
    [Range(1, 10_000_000)]
    public int MaxTrainingSamples { get; set; } = 2000;

    /// <summary>The personal model is served only once the validation split holds this many samples. Default 20.</summary>
    [Range(1, 100_000)]
    public int MinValidationSamples { get; set; } = 20;

    /// <summary>Upper bound on the validation split. Default 200.</summary>
    [Range(1, 100_000)]
    public int MaxValidationSamples { get; set; } = 200;

    /// <summary>Share of samples held out for validation (by content hash). Default 0.2.</summary>
    [Range(1e-6, 0.5)]
    public double ValidationFraction { get; set; } = 0.2;

    /// <summary>
    /// Folds of the cross-validation that chooses the served model while the validation split holds fewer than
    /// <see cref="CrossValidationBelow"/> samples (each candidate is then trained this many more times per run); 0 turns
    /// it off (the validation split always decides). 2..10 otherwise. Default 5.
    /// </summary>
    [Range(0, PersonalizationConstants.MaxCrossValidationFolds)]
    public int CrossValidationFolds { get; set; } = 5;

    /// <summary>A validation split smaller than this is too thin to choose on: cross-validation over all the samples decides. Default 50.</summary>
    [Range(0, 100_000)]
    public int CrossValidationBelow { get; set; } = 50;

    /// <summary>How often the personalization loop looks for eligibility, samples and a new global model. Default 10 min.</summary>
    [TimeSpanRange("00:00:00.010", "1.00:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>After a completed run, no new run before this much time has passed. Default 1 h.</summary>
    [TimeSpanRange("00:00:00", "7.00:00:00")]
    public TimeSpan MinTrainingInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The library settings these keys describe; artifacts go under <paramref name="stateDirectory"/>.</summary>
    public PersonalizationOptions ToPersonalizationOptions(string stateDirectory, int threads) => new()
    {
        Mode = Mode,
        ProximalLambda = ProximalLambda,
        LocalEpochs = Epochs,
        LearningRate = LearningRate,
        Momentum = Momentum,
        BatchSize = BatchSize,
        MinTrainingSamples = MinTrainingSamples,
        MaxTrainingSamples = MaxTrainingSamples,
        MinValidationSamples = MinValidationSamples,
        MaxValidationSamples = MaxValidationSamples,
        ValidationFraction = ValidationFraction,
        CrossValidationFolds = CrossValidationFolds,
        CrossValidationBelow = CrossValidationBelow,
        ArtifactsDirectory = Path.Combine(stateDirectory, "artifacts"),
        Threads = threads,
    };
}
