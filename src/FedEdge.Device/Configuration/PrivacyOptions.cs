using System.ComponentModel.DataAnnotations;
using FedEdge.Device.Contribution;

namespace FedEdge.Device.Configuration;

/// <summary>The device's lifetime privacy budget and its user-level DP parameters.</summary>
public sealed class PrivacyOptions : IValidatableObject
{
    /// <summary>
    /// UserLevel (default: DP-FedAvg, the whole update clipped to <see cref="ClipNorm"/> S and noised with z·S) or
    /// SampleLevel (DP-SGD: every example clipped to <see cref="ClipNorm"/> C and every local step noised with σ·C,
    /// σ = <see cref="NoiseMultiplier"/>; the ledger charges the subsampled Gaussian over all local steps) or Distributed
    /// (secure aggregation with the distributed discrete Gaussian: the update is clipped to S and carries only this
    /// device's share of z·S; the aggregator must run <c>Privacy:Mode = Distributed</c> with the same S and z). Distributed
    /// is meant with <see cref="CheckInRate"/> &lt; 1; with q = 1 each joined round is charged as one unamplified Gaussian
    /// release (q = 1, z), exactly as UserLevel.
    /// </summary>
    public ContributionPrivacy Mode { get; set; } = ContributionPrivacy.UserLevel;

    /// <summary>Lifetime ε: the device stops contributing when the next release would exceed it. Default 8 (with the default <see cref="NoiseMultiplier"/>, 21–22 contributions).</summary>
    [Range(1e-6, 1e6)]
    public double Epsilon { get; set; } = 8;

    /// <summary>δ of the budget. Default 1e-5.</summary>
    [Range(1e-12, 0.1)]
    public double Delta { get; set; } = 1e-5;

    /// <summary>User-level clipping norm S (DP-FedAvg, McMahan et al. 2018). Default 1.</summary>
    [Range(1e-6, 1e6)]
    public double ClipNorm { get; set; } = 1.0;

    /// <summary>
    /// User-level noise multiplier z; noise stddev z·S on every coordinate of the clipped update. Default 3.
    /// </summary>
    /// <remarks>
    /// Each contribution is one Gaussian release of sensitivity S without sampling (q = 1), so k contributions
    /// have RDP k·α/(2z²) at order α (Mironov 2017, Prop. 7 with Prop. 1 for composition), and the ledger converts
    /// that to ε at δ with the tight conversion (Canonne, Kamath, Steinke 2020, Prop. 12). At ε = 8, δ = 1e-5 that
    /// affords: z = 1 → 2 contributions (one costs ε ≈ 4.7), z = 2 → 9, z = 3 → 21–22, z = 4 → 39, z = 5 → 61.
    /// z = 3 is the default: about three weeks of daily rounds over the device's lifetime budget instead of two
    /// rounds. The price is noise: the fleet's average of K updates carries stddev z·S/√K per coordinate, so a larger
    /// z needs more devices per round (or more rounds) for the same accuracy. PrivacyOptionsTests recomputes the count.
    /// </remarks>
    [Range(1e-3, 1e4)]
    public double NoiseMultiplier { get; set; } = 3.0;

    /// <summary>
    /// q, the random check-in rate (Balle et al. 2020): offered a round — a global model version it has not been offered
    /// before, while eligible — the device draws a secret coin and joins with probability q. Default 1: every offered
    /// round is joined and each contribution is charged as one Gaussian release (no check-ins). With q &lt; 1 (UserLevel
    /// only) every offer is charged the subsampled Gaussian (q, z, one step), the coin's "no" included, and a joined round
    /// costs nothing more; choose z for the offers the device should afford, not the contributions: at ε = 3, δ = 1e-6,
    /// q = 0.1 and 200 offers (20 joins expected), z = 2.56 instead of 7.35 for 20 releases at q = 1 (`fededge simulate
    /// --dp user --checkin-rate` calibrates it so). Against the aggregator, which sees who sent, the joined rounds count
    /// unamplified (docs/privacy.md); the diagnostics report both.
    /// </summary>
    public double CheckInRate { get; set; } = 1.0;

    /// <summary>
    /// With check-ins: how long a model version the coin declined must stay current before it is offered (and charged)
    /// again. Default 30 min. Without re-offers a buffered strategy stalls when q times the devices online is below its
    /// buffer K; every re-offer is charged like an offer, so a short interval spends the budget on waiting.
    /// </summary>
    [TimeSpanRange("00:00:01", "30.00:00:00")]
    public TimeSpan CheckInReofferAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode is not (ContributionPrivacy.UserLevel or ContributionPrivacy.SampleLevel or ContributionPrivacy.Distributed))
        {
            yield return new ValidationResult(
                $"Agent:Privacy:Mode must be UserLevel, SampleLevel or Distributed (was {Mode}): a device never releases an update without differential privacy.",
                [nameof(Mode)]);
        }

        if (!(CheckInRate > 0 && CheckInRate <= 1))
        {
            yield return new ValidationResult(
                $"Agent:Privacy:CheckInRate must be in (0, 1] (was {CheckInRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}): it is the probability of joining an offered round; 1 joins every round.",
                [nameof(CheckInRate)]);
        }
        else if (CheckInRate < 1 && Mode is not (ContributionPrivacy.UserLevel or ContributionPrivacy.Distributed))
        {
            yield return new ValidationResult(
                $"Agent:Privacy:CheckInRate below 1 needs Mode = UserLevel or Distributed (was {Mode}): random check-ins amplify the user-level release; DP-SGD already samples its examples.",
                [nameof(CheckInRate)]);
        }
    }
}
