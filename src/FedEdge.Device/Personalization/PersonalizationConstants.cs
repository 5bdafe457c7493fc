namespace FedEdge.Device.Personalization;

/// <summary>Defaults and bounds of on-device personalization shared by its options and the CLI.</summary>
public static class PersonalizationConstants
{
    /// <summary>At most this many Ditto λ candidates (each is one more model trained per run).</summary>
    public const int MaxCandidateLambdas = 8;

    /// <summary>At most this many cross-validation folds (each is one more training of every candidate per run).</summary>
    public const int MaxCrossValidationFolds = 10;

    /// <summary>
    /// Auto mode's Ditto λ values: a decade apart around Ditto's own default 0.1 (Li et al. 2021
    /// tune λ over {0.01, 0.1, 1, 2} per data set; here each device tunes it on its own validation split).
    /// </summary>
    public static IReadOnlyList<float> CandidateLambdas { get; } = [0.01f, 0.1f, 1f];
}
