using System.Globalization;

namespace FedEdge.Device.Personalization;

/// <summary>
/// Which model the device serves and why: both accuracies on the local validation split. The
/// personal model is served only when the split has at least the configured minimum and the
/// personal model is better by more than <see cref="MarginStandardErrors"/> standard errors of the
/// difference; ties and thin evidence go to the global model, which the whole fleet vouches for.
/// </summary>
/// <remarks>
/// The margin is the one-sided Wald test of p_personal − p_global with the unpaired standard error
/// √((p_p(1−p_p) + p_g(1−p_g))/n). Both models are scored on the same samples, so the paired
/// (McNemar) error would be smaller: the unpaired one is conservative, which is the direction we
/// want — a wrong switch costs the home accuracy, a missed one only delays the benefit. Measured in
/// the simulator: "strictly better" on ~24 validation samples served a worse model than the global
/// one on up to 18 % of homes (docs/evaluation.md).
/// </remarks>
/// <param name="Served">The model that answers predictions.</param>
/// <param name="GlobalAccuracy">Accuracy of the global model on the validation split (NaN when the split is empty).</param>
/// <param name="PersonalAccuracy">Accuracy of the personal model on the validation split (NaN when the split is empty or there is no personal model).</param>
/// <param name="ValidationCount">Samples in the validation split.</param>
/// <param name="Reason">One line for status messages and logs.</param>
public sealed record ServingChoice(ServedModel Served, double GlobalAccuracy, double PersonalAccuracy, int ValidationCount, string Reason)
{
    /// <summary>How many standard errors the personal model must lead by (≈ 84 % one-sided confidence).</summary>
    public const double MarginStandardErrors = 1.0;

    /// <summary>The choice when there is no personal model.</summary>
    public static ServingChoice GlobalOnly(string reason) => new(ServedModel.Global, double.NaN, double.NaN, 0, reason);

    /// <summary>Decides between the two models from their validation accuracies (pure function).</summary>
    public static ServingChoice Decide(double globalAccuracy, double personalAccuracy, int validationCount, int minSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(validationCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        string figures = string.Create(
            CultureInfo.InvariantCulture,
            $"global {globalAccuracy:P1}, personal {personalAccuracy:P1} on {validationCount} validation samples");
        if (validationCount < minSamples)
        {
            return new(ServedModel.Global, globalAccuracy, personalAccuracy, validationCount, $"{figures}; at least {minSamples} needed before the personal model may be served");
        }

        double margin = Margin(globalAccuracy, personalAccuracy, validationCount);
        return personalAccuracy - globalAccuracy > margin
            ? new(ServedModel.Personal, globalAccuracy, personalAccuracy, validationCount, string.Create(CultureInfo.InvariantCulture, $"{figures}; personal is better by more than the {margin:P1} margin"))
            : new(ServedModel.Global, globalAccuracy, personalAccuracy, validationCount, string.Create(CultureInfo.InvariantCulture, $"{figures}; personal is not better by more than the {margin:P1} margin"));
    }

    /// <summary>
    /// <see cref="MarginStandardErrors"/> unpaired standard errors of the accuracy difference, and
    /// at least one validation sample (1/n), so that a single lucky sample never switches models.
    /// </summary>
    public static double Margin(double globalAccuracy, double personalAccuracy, int validationCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(validationCount, 1);
        double variance = ((personalAccuracy * (1 - personalAccuracy)) + (globalAccuracy * (1 - globalAccuracy))) / validationCount;
        return Math.Max(MarginStandardErrors * Math.Sqrt(Math.Max(0, variance)), 1.0 / validationCount);
    }
}
