using System.ComponentModel.DataAnnotations;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.SecureAggregation;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Aggregation.FedAvg;
using Microsoft.Extensions.Options;

namespace FedEdge.Aggregation.Engine;

/// <summary>What the aggregator aggregates and how. Bound from the "Aggregator" configuration section.</summary>
public sealed class AggregationEngineOptions : IValidatableObject
{
    /// <summary>The fleet this aggregator serves (topic level).</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9_-]{1,64}$")]
    public string Fleet { get; set; } = "home";

    /// <summary>The model, e.g. <c>mlp-14-32-5</c>.</summary>
    [Required]
    [RegularExpression("^(mlp|logreg)(-[0-9]{1,5}){2,17}$")]
    public string Architecture { get; set; } = "mlp-14-32-5";

    /// <summary>Aggregation scheme. Default FedBuff.</summary>
    public StrategyKind Strategy { get; set; } = StrategyKind.FedBuff;

    /// <summary>K: updates per step (FedBuff, FTTE). Default 10.</summary>
    [Range(1, 100_000)]
    public int BufferSize { get; set; } = 10;

    /// <summary>Server learning rate η_g. Default 1.</summary>
    [Range(1e-6, 100)]
    public double ServerLearningRate { get; set; } = 1.0;

    /// <summary>Largest accepted staleness in versions. Default 10.</summary>
    [Range(0, 1_000_000)]
    public int MaxStaleness { get; set; } = 10;

    /// <summary>FedAvg: devices sampled per round. Default 10.</summary>
    [Range(1, 100_000)]
    public int ClientsPerRound { get; set; } = 10;

    /// <summary>FedAvg: fewest updates that may close a round at its deadline. Default 2.</summary>
    [Range(1, 100_000)]
    public int MinClients { get; set; } = 2;

    /// <summary>FedAvg: round deadline. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RoundDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>FedAvg: the largest claimed sample count an update is weighted by. Default 2000 (the device's sample window).</summary>
    [Range(1, 1_000_000_000)]
    public long MaxSampleWeight { get; set; } = FedAvgOptions.DefaultMaxSampleWeight;

    /// <summary>
    /// Pooling rule wrapped around the strategy. Default TrimmedMean: with β = 0.1 it trims one update at each end per
    /// coordinate once K ≥ 10 and is the strategy's weighted mean bit for bit below that, and its cost without an attacker
    /// is a few per cent of aggregation error where the median's is about half again (docs/security.md, "Robust by
    /// default"). The aggregator sees each update (no secure aggregation), so a per-coordinate rule can apply.
    /// </summary>
    public RobustKind Robust { get; set; } = RobustKind.TrimmedMean;

    /// <summary>β for the trimmed mean. Default 0.1.</summary>
    [Range(0.0, 0.49)]
    public double TrimFraction { get; set; } = 0.1;

    /// <summary>
    /// Clip every delta to this norm before aggregating: unset (default) = derived from the fleet's DP settings,
    /// M = S + z·S·(√d + t) (<see cref="FleetPrivacyOptions.UpdateNormBound"/>; off when the fleet's mode gives no bound);
    /// 0 = off; a positive value = that bound.
    /// </summary>
    [Range(0.0, 1e12)]
    public double? NormBound { get; set; }

    /// <summary>The fleet's differential privacy: what the devices are configured with.</summary>
    [Required]
    [ValidateObjectMembers]
    public FleetPrivacyOptions Privacy { get; set; } = new();

    /// <summary>Seed of the initial model's weights and of cohort sampling.</summary>
    public int Seed { get; set; }

    /// <summary>FTTE: training-memory budget assumed before any device reported one. Default 256 KiB.</summary>
    [Range(1024, long.MaxValue)]
    public long DefaultMemoryBudgetBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// FTTE: whether a memory class whose smallest reported budget holds the whole model's training trains all of it (a
    /// per-class "all parameters" entry in the model), so only the constrained classes train the subset. Default true;
    /// false assigns the subset to every device, as FTTE's paper does.
    /// </summary>
    public bool FtteDenseWhereItFits { get; set; } = true;

    /// <summary>Pace steering: the interval between model steps the aggregator aims for. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TargetStepInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The memory classes the fleet's boards report (<c>Agent:MemoryClass</c>).</summary>
    public static readonly IReadOnlyList<string> DefaultMemoryClasses = ["pi-zero-2w", "zero2w", "pi3", "pi4", "pi5"];

    /// <summary>
    /// The memory classes a status may name; any other is recorded as "other", so a device cannot grow the metrics page or
    /// the pace message with made-up labels. Unset (default): <see cref="DefaultMemoryClasses"/>. At most 32.
    /// </summary>
    [MaxLength(32)]
    public string[]? MemoryClasses { get; set; }

    /// <summary>Statuses a device may have processed in a burst; more are dropped and counted. Default 10.</summary>
    [Range(1, 10_000)]
    public int StatusBurst { get; set; } = 10;

    /// <summary>Statuses per device per minute processed in the long run (token-bucket refill). Default 10.</summary>
    [Range(1, 100_000)]
    public int StatusesPerDevicePerMinute { get; set; } = 10;

    /// <summary>Rejection log lines per minute; more are summed into one line a minute (the metrics count every one). Default 20.</summary>
    [Range(1, 100_000)]
    public int RejectionLogLinesPerMinute { get; set; } = 20;

    /// <summary>
    /// Most update ids the duplicate store keeps (beyond those of updates too stale to be accepted again, which go at every
    /// step). Default 100,000 (≈ 5 MiB of SQLite).
    /// </summary>
    [Range(100, 100_000_000)]
    public int MaxSeenUpdateIds { get; set; } = 100_000;

    /// <summary>Checks on every incoming update.</summary>
    [Required]
    [ValidateObjectMembers]
    public UpdateValidationOptions Validation { get; set; } = new();

    /// <summary>
    /// Combinations the settings cannot run with, each named by its full key: in <see cref="FleetDpMode.Distributed"/> mode
    /// FedAvg (its cohort rounds are not groups), an explicit <see cref="NormBound"/> (the aggregator sees no individual
    /// update to clip) and a group of <see cref="BufferSize"/> for which no secure-aggregation plan or encoding exists.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Privacy?.Mode != FleetDpMode.Distributed)
        {
            yield break;
        }

        if (Strategy == StrategyKind.FedAvg)
        {
            yield return new ValidationResult(
                "FedAvg cannot run with Aggregator:Engine:Privacy:Mode = Distributed: a secure-aggregation group is one buffer of BufferSize updates; use FedBuff or Ftte.",
                [nameof(Strategy)]);
        }

        if (NormBound is not null)
        {
            yield return new ValidationResult(
                "does not apply with Aggregator:Engine:Privacy:Mode = Distributed: the aggregator sees no individual update to clip (the devices clip to Privacy:ClipNorm); remove it.",
                [nameof(NormBound)]);
        }

        string? plan = null;
        try
        {
            int dimension = FedEdge.Core.Models.ModelArchitecture.Parse(Architecture).Layout.TotalLength;
            SecAggCoordinatorOptions.ForFleet(Privacy, Fleet, BufferSize, dimension).Validate();
        }
        catch (FormatException)
        {
            // the architecture's own message is its attribute's
        }
        catch (ArgumentException ex)
        {
            // the first line without the exception's "(Parameter '…')"
            plan = ex.Message.Split('\n')[0];
            int parameter = plan.IndexOf(" (Parameter '", StringComparison.Ordinal);
            plan = parameter < 0 ? plan : plan[..parameter];
        }

        if (plan is not null)
        {
            yield return new ValidationResult("is the secure-aggregation group size with Aggregator:Engine:Privacy:Mode = Distributed, and: " + plan, [nameof(BufferSize)]);
        }
    }

    /// <summary>The clipping bound in force for a model of <paramref name="dimension"/> parameters, or null when off.</summary>
    public double? EffectiveNormBound(int dimension) => NormBound switch
    {
        null => Privacy.UpdateNormBound(dimension),
        0.0 => null,
        double explicitBound => explicitBound,
    };

    /// <summary>
    /// The norm above which an update is refused: <see cref="UpdateValidationOptions.MaxUpdateNorm"/> if set, otherwise
    /// <see cref="UpdateValidationOptions.DerivedRejectionFactor"/> × the derived bound (room for an honest update's
    /// quantisation error, which the clip then removes), otherwise <see cref="UpdateValidationOptions.FallbackMaxUpdateNorm"/>.
    /// </summary>
    public double EffectiveMaxUpdateNorm(int dimension) =>
        Validation.MaxUpdateNorm
        ?? (Privacy.UpdateNormBound(dimension) is double bound ? UpdateValidationOptions.DerivedRejectionFactor * bound : UpdateValidationOptions.FallbackMaxUpdateNorm);
}
