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
    /// <summary>
    /// Which personal model is served, as an index into the candidates the choice was made among
    /// (<see cref="PersonalModelSet.Models"/>); <see cref="PersonalModelSet.GlobalServed"/> for the global model.
    /// </summary>
    public int ServedIndex { get; init; } = Served == ServedModel.Personal ? 0 : PersonalModelSet.GlobalServed;

    /// <summary>The served model's name: <see cref="PersonalCandidate.GlobalName"/> or a candidate's (head, ditto:0.1, local-only).</summary>
    public string ServedName { get; init; } = Served == ServedModel.Personal ? "personal" : PersonalCandidate.GlobalName;

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
    /// Chooses among the global model and several personal candidates (pure function). The
    /// <paramref name="incumbent"/> — the model served now; the global model on a fresh device — stays
    /// unless another model's validation accuracy leads it by more than <see cref="Margin"/>; then the
    /// best model is served (highest accuracy, then lowest loss, then the earlier candidate).
    /// </summary>
    /// <remarks>
    /// Why an incumbent and not "best on validation": on 5–50 validation samples the accuracies of
    /// several candidates differ by a sample or two, and picking the maximum every run would flap
    /// between them (and pick the luckiest of k draws). Measuring the lead against the model served now
    /// makes a switch need evidence of about one standard error, the same test as <see cref="Decide"/>,
    /// which is this rule with one candidate and the global incumbent. Choosing the best of k
    /// candidates still inflates its score (winner's curse); the margin is what bounds that, and the
    /// simulator reports how often the served model is below the best candidate on held-out data.
    /// </remarks>
    /// <param name="global">The global model's score.</param>
    /// <param name="personal">The candidates' scores, in candidate order.</param>
    /// <param name="validationCount">Samples in the validation split.</param>
    /// <param name="minSamples">Below this many validation samples the global model is served.</param>
    /// <param name="incumbent">Index of the served candidate, or <see cref="PersonalModelSet.GlobalServed"/>.</param>
    public static ServingChoice DecideAmong(CandidateScore global, IReadOnlyList<CandidateScore> personal, int validationCount, int minSamples, int incumbent = PersonalModelSet.GlobalServed)
    {
        ArgumentNullException.ThrowIfNull(personal);
        ArgumentOutOfRangeException.ThrowIfNegative(validationCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        if (personal.Count == 0)
        {
            throw new ArgumentException("At least one personal candidate is needed.", nameof(personal));
        }

        if (incumbent < PersonalModelSet.GlobalServed || incumbent >= personal.Count)
        {
            incumbent = PersonalModelSet.GlobalServed;
        }

        int bestPersonal = 0;
        for (int i = 1; i < personal.Count; i++)
        {
            if (Better(personal[i], personal[bestPersonal]))
            {
                bestPersonal = i;
            }
        }

        var figures = new System.Text.StringBuilder();
        figures.Append(CultureInfo.InvariantCulture, $"{global.Name} {global.Accuracy:P1}");
        foreach (var score in personal)
        {
            figures.Append(CultureInfo.InvariantCulture, $", {score.Name} {score.Accuracy:P1}");
        }

        figures.Append(CultureInfo.InvariantCulture, $" on {validationCount} validation samples");
        double bestPersonalAccuracy = personal[bestPersonal].Accuracy;
        if (validationCount < minSamples)
        {
            return Global(global, bestPersonalAccuracy, validationCount, $"{figures}; at least {minSamples} needed before a personal model may be served");
        }

        // The best of all models, the global one first (it wins exact ties against every candidate).
        int best = Better(personal[bestPersonal], global) ? bestPersonal : PersonalModelSet.GlobalServed;
        best = LocalOnlyFloor(personal, best, validationCount);
        var incumbentScore = incumbent == PersonalModelSet.GlobalServed ? global : personal[incumbent];
        var bestScore = best == PersonalModelSet.GlobalServed ? global : personal[best];
        double margin = Margin(incumbentScore.Accuracy, bestScore.Accuracy, validationCount);
        bool switches = best != incumbent && bestScore.Accuracy - incumbentScore.Accuracy > margin;
        int served = switches ? best : incumbent;
        string reason = best == incumbent
            ? $"{figures}; {incumbentScore.Name} is served and is the best"
            : switches
                ? string.Create(CultureInfo.InvariantCulture, $"{figures}; {bestScore.Name} leads the served {incumbentScore.Name} by more than the {margin:P1} margin")
                : string.Create(CultureInfo.InvariantCulture, $"{figures}; {bestScore.Name} does not lead the served {incumbentScore.Name} by more than the {margin:P1} margin");
        return served == PersonalModelSet.GlobalServed
            ? Global(global, bestPersonalAccuracy, validationCount, reason)
            : new(ServedModel.Personal, global.Accuracy, personal[served].Accuracy, validationCount, reason) { ServedIndex = served, ServedName = personal[served].Name };
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

    /// <summary>
    /// Learning alone is the floor: a candidate built on the global model (head, Ditto) is the best only when it leads the
    /// local-only candidate by more than <see cref="Margin"/>; within it the local-only candidate is. Such candidates share
    /// the home's data with local-only and differ from it by the global model's part, which under DP is noisy: on a few dozen
    /// samples the best of them is often the luckiest, and served it is worse than training alone (docs/evaluation.md, 50
    /// homes). The global model is not held to this floor (ties and thin evidence go to it, as before).
    /// </summary>
    private static int LocalOnlyFloor(IReadOnlyList<CandidateScore> personal, int best, int validationCount)
    {
        if (best == PersonalModelSet.GlobalServed || personal[best].Name == PersonalCandidate.LocalOnlyName)
        {
            return best;
        }

        for (int i = 0; i < personal.Count; i++)
        {
            if (personal[i].Name == PersonalCandidate.LocalOnlyName)
            {
                double lead = personal[best].Accuracy - personal[i].Accuracy;
                return lead > Margin(personal[i].Accuracy, personal[best].Accuracy, validationCount) ? best : i;
            }
        }

        return best;
    }

    private static ServingChoice Global(CandidateScore global, double personalAccuracy, int validationCount, string reason) =>
        new(ServedModel.Global, global.Accuracy, personalAccuracy, validationCount, reason) { ServedName = global.Name };

    // Higher accuracy; on equal accuracy the lower loss (a NaN loss never wins); otherwise the earlier one stays.
    private static bool Better(CandidateScore candidate, CandidateScore than) =>
        candidate.Accuracy > than.Accuracy || (candidate.Accuracy == than.Accuracy && candidate.Loss < than.Loss);
}
