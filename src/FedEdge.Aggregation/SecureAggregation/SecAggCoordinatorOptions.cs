using System.Globalization;
using FedEdge.Aggregation.Privacy;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.SecureAggregation;
using FedEdge.Protocol.Wire;

namespace FedEdge.Aggregation.SecureAggregation;

/// <summary>The aggregator's secure-aggregation parameters: group shape, encoding, deadlines and bounds.</summary>
public sealed record SecAggCoordinatorOptions
{
    /// <summary>The fleet (part of every key derivation).</summary>
    public required string Fleet { get; init; }

    /// <summary>n: devices per group (the FedBuff/FTTE buffer K, or the FedAvg cohort).</summary>
    public required int GroupSize { get; init; }

    /// <summary>k: neighbours per device (<see cref="SecAggNeighbourhoodPlan.Choose"/>; ≥ n − 1 is the complete graph).</summary>
    public required int Degree { get; init; }

    /// <summary>t: the Shamir threshold within a neighbourhood.</summary>
    public required int Threshold { get; init; }

    /// <summary>The fewest masked inputs a sum is released from; at least the encoding's n_min.</summary>
    public required int MinimumSurvivors { get; init; }

    /// <summary>The DDGauss parameters every member encodes with.</summary>
    public required DistributedDiscreteGaussianParameters Encoding { get; init; }

    /// <summary>
    /// How long a group may wait for its n joins. At the deadline a group with at least <see cref="MinimumSurvivors"/>
    /// joins starts with them when <see cref="ShortGroupPlan"/> is set; otherwise its joiners are released (abandoned).
    /// </summary>
    public TimeSpan FormationTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// The neighbourhood (k, t) for a group that starts short, given its size n' (<see cref="MinimumSurvivors"/> ≤ n' &lt; n);
    /// it may throw <see cref="ArgumentOutOfRangeException"/> when no plan meets the targets at n' (the group is then
    /// abandoned). Null: a group that is not full at <see cref="FormationTimeout"/> is abandoned.
    /// </summary>
    public Func<int, SecAggNeighbourhoodPlan>? ShortGroupPlan { get; init; }

    /// <summary>From the roster to the last member's sealed shares.</summary>
    public TimeSpan SharesTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>From the shares deadline to the masked-input deadline (the members train or encode in this time).</summary>
    public TimeSpan MaskedInputTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>From the masked-input deadline to the unmask deadline.</summary>
    public TimeSpan UnmaskTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Most groups open at once (forming or running); a join that needs one more is refused.</summary>
    public int MaxOpenGroups { get; init; } = 4;

    /// <summary>The wire limits messages are parsed with.</summary>
    public WireLimits Limits { get; init; } = WireLimits.Default;

    /// <summary>
    /// The coordinator a fleet in <see cref="FleetDpMode.Distributed"/> runs: groups of <paramref name="groupSize"/> (the
    /// FedBuff/FTTE buffer K), n_min = ⌈<see cref="FleetPrivacyOptions.SecAggMinimumSurvivorFraction"/>·n⌉, (k, t) from
    /// <see cref="SecAggNeighbourhoodPlan.Choose"/> for the configured dropout rate and colluding fraction, and the
    /// DDGauss encoding with the finest γ for clip S, z and b (<see cref="DistributedDiscreteGaussianParameters.WithFinestGamma"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">No neighbourhood or no grid meets the targets for these settings.</exception>
    public static SecAggCoordinatorOptions ForFleet(FleetPrivacyOptions privacy, string fleet, int groupSize, int dimension)
    {
        ArgumentNullException.ThrowIfNull(privacy);
        int minimumSurvivors = Math.Clamp((int)Math.Ceiling(privacy.SecAggMinimumSurvivorFraction * groupSize), 2, Math.Max(2, groupSize));
        int colluding = Math.Min(groupSize - 1, (int)Math.Floor(privacy.SecAggColludingFraction * groupSize));
        try
        {
            SecAggNeighbourhoodPlan plan = SecAggNeighbourhoodPlan.Choose(groupSize, privacy.SecAggDropoutRate, colluding);
            return new SecAggCoordinatorOptions
            {
                Fleet = fleet,
                GroupSize = groupSize,
                Degree = plan.Degree,
                Threshold = plan.Threshold,
                MinimumSurvivors = minimumSurvivors,
                Encoding = DistributedDiscreteGaussianParameters.WithFinestGamma(
                    dimension, privacy.ClipNorm, privacy.SecAggBits, minimumSurvivors, groupSize, privacy.NoiseMultiplier),
                FormationTimeout = privacy.SecAggFormationTimeout,

                // a short group keeps the full group's collusion bound m = ⌊γ·n⌋ (all m colluders may be among its n')
                ShortGroupPlan = joined => SecAggNeighbourhoodPlan.Choose(joined, privacy.SecAggDropoutRate, Math.Min(joined - 1, colluding)),
                SharesTimeout = privacy.SecAggSharesTimeout,
                MaskedInputTimeout = privacy.SecAggMaskedInputTimeout,
                UnmaskTimeout = privacy.SecAggUnmaskTimeout,
            };
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Privacy:Mode = Distributed cannot form secure-aggregation groups of BufferSize = {groupSize} with SecAggDropoutRate = {privacy.SecAggDropoutRate}, SecAggColludingFraction = {privacy.SecAggColludingFraction}, SecAggBits = {privacy.SecAggBits}: {ex.Message}"),
                nameof(privacy),
                ex);
        }
    }

    /// <summary>Throws, naming every problem, when the options are inconsistent.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (WireIdentifier.Check(Fleet, nameof(Fleet)) is { } fleet)
        {
            errors.Add(fleet);
        }

        if (GroupSize < 2 || GroupSize > Limits.MaxSecAggGroupSize)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(GroupSize)} must be in [2, {Limits.MaxSecAggGroupSize}], got {GroupSize}"));
        }

        int degree = Math.Min(Degree, GroupSize - 1);
        if (degree < 2 || (degree < GroupSize - 1 && degree % 2 != 0))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(Degree)} must be even and ≥ 2, or ≥ n − 1, got {Degree}"));
        }

        if (Threshold < 2 || Threshold > degree)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(Threshold)} must be in [2, k = {degree}], got {Threshold}"));
        }

        if (Encoding is null)
        {
            errors.Add($"{nameof(Encoding)} is missing");
        }
        else if (MinimumSurvivors < Encoding.MinimumSurvivors || MinimumSurvivors > GroupSize || Encoding.MaximumGroupSize < GroupSize)
        {
            errors.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"need n_min = {Encoding.MinimumSurvivors} ≤ {nameof(MinimumSurvivors)} = {MinimumSurvivors} ≤ n = {GroupSize} ≤ n_max = {Encoding.MaximumGroupSize}"));
        }

        foreach ((TimeSpan value, string name) in new[]
        {
            (FormationTimeout, nameof(FormationTimeout)), (SharesTimeout, nameof(SharesTimeout)),
            (MaskedInputTimeout, nameof(MaskedInputTimeout)), (UnmaskTimeout, nameof(UnmaskTimeout)),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"{name} must be positive");
            }
        }

        if (MaxOpenGroups < 1)
        {
            errors.Add($"{nameof(MaxOpenGroups)} must be positive");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid secure-aggregation options: " + string.Join("; ", errors) + ".");
        }
    }
}
