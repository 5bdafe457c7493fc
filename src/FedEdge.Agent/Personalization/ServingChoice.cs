using System.Globalization;

namespace FedEdge.Agent.Personalization;

/// <summary>
/// Which model the device serves and why: both accuracies on the local validation split. The
/// personal model is served only when the split has at least the configured minimum and the
/// personal model is strictly better; ties and thin evidence go to the global model, which the
/// whole fleet vouches for.
/// </summary>
/// <param name="Served">The model that answers predictions.</param>
/// <param name="GlobalAccuracy">Accuracy of the global model on the validation split (NaN when the split is empty).</param>
/// <param name="PersonalAccuracy">Accuracy of the personal model on the validation split (NaN when the split is empty or there is no personal model).</param>
/// <param name="ValidationCount">Samples in the validation split.</param>
/// <param name="Reason">One line for status messages and logs.</param>
public sealed record ServingChoice(ServedModel Served, double GlobalAccuracy, double PersonalAccuracy, int ValidationCount, string Reason)
{
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

        return personalAccuracy > globalAccuracy
            ? new(ServedModel.Personal, globalAccuracy, personalAccuracy, validationCount, $"{figures}; personal is better")
            : new(ServedModel.Global, globalAccuracy, personalAccuracy, validationCount, $"{figures}; personal is not better");
    }
}
