using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FedEdge.Core.Aggregation.Combining;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.FedAvg;

/// <summary>
/// Federated Averaging (McMahan, Moore, Ramage, Hampson, Agüera y Arcas 2017, "Communication-Efficient
/// Learning of Deep Networks from Decentralized Data", Alg. 1) in synchronous rounds: the server samples a
/// cohort of C devices, waits until all reported or the deadline passed, and steps
///     w_{t+1} = w_t + η · Σ_k (n_k / n) Δ_k,   n = Σ_k n_k,
/// which for η = 1 is the paper's w_{t+1} = Σ_k (n_k/n) w^k_{t+1}; η ≠ 1 is the server learning rate of
/// Reddi et al. 2021 ("Adaptive Federated Optimization", FedAvg with server step size).
/// </summary>
public sealed class FedAvgStrategy : IAggregationStrategy
{
    /// <summary>Creates the strategy with validated options and a combiner (default: weighted mean).</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public FedAvgStrategy(FedAvgOptions options, IUpdateCombiner? combiner = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        Combiner = combiner ?? WeightedMeanCombiner.Instance;
    }

    /// <summary>The settings.</summary>
    public FedAvgOptions Options { get; }

    /// <inheritdoc/>
    public IUpdateCombiner Combiner { get; }

    /// <inheritdoc/>
    public string Name => string.Create(
        CultureInfo.InvariantCulture,
        $"FedAvg(C={Options.ClientsPerRound}, min={Options.MinClients}, η={Options.ServerLearningRate}, {Combiner.Name})");

    /// <summary>
    /// Opens round <paramref name="roundNumber"/>: samples min(C, available) distinct devices uniformly without
    /// replacement (partial Fisher–Yates over the ordinally sorted, de-duplicated ids, so the cohort depends only
    /// on the set of devices and the <paramref name="random"/> state). False when fewer than
    /// <see cref="FedAvgOptions.MinClients"/> devices are available.
    /// </summary>
    public bool TryOpenRound(
        IEnumerable<string> availableDevices,
        long roundNumber,
        long modelVersion,
        DateTimeOffset now,
        Random random,
        [NotNullWhen(true)] out TrainingRound? round)
    {
        ArgumentNullException.ThrowIfNull(availableDevices);
        ArgumentNullException.ThrowIfNull(random);
        string[] devices = availableDevices.Where(d => !string.IsNullOrEmpty(d)).Distinct(StringComparer.Ordinal).ToArray();
        Array.Sort(devices, StringComparer.Ordinal);
        if (devices.Length < Options.MinClients)
        {
            round = null;
            return false;
        }

        int c = Math.Min(Options.ClientsPerRound, devices.Length);
        for (int i = 0; i < c; i++)
        {
            int j = random.Next(i, devices.Length);
            (devices[i], devices[j]) = (devices[j], devices[i]);
        }

        string[] cohort = devices[..c];
        Array.Sort(cohort, StringComparer.Ordinal);
        round = new TrainingRound(roundNumber, modelVersion, cohort, now, now + Options.RoundDuration);
        return true;
    }

    /// <summary>
    /// Whether to close the round now: Close when every sampled device has an update in the buffer, or when
    /// <paramref name="now"/> ≥ the deadline and at least MinClients have; Abandon when the deadline passed
    /// with fewer; otherwise Wait.
    /// </summary>
    public RoundDecision Decide(TrainingRound round, IReadOnlyList<ClientUpdate> buffer, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(buffer);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var update in buffer)
        {
            if (InCohort(round, update.DeviceId) && update.BaseVersion == round.ModelVersion)
            {
                reported.Add(update.DeviceId);
            }
        }

        if (reported.Count == round.Cohort.Count)
        {
            return RoundDecision.Close;
        }

        if (now >= round.Deadline)
        {
            return reported.Count >= Options.MinClients ? RoundDecision.Close : RoundDecision.Abandon;
        }

        return RoundDecision.Wait;
    }

    /// <inheritdoc/>
    public UpdateVerdict Admit(ClientUpdate update, IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        var verdict = UpdateValidation.Check(update, context);
        if (!verdict.Accepted)
        {
            return verdict;
        }

        var round = context.Round;
        if (round is null)
        {
            return UpdateVerdict.Reject(RejectionReason.NotInCohort, "No synchronous round is open.");
        }

        if (update.BaseVersion != round.ModelVersion)
        {
            return UpdateVerdict.Reject(
                RejectionReason.TooStale,
                string.Create(CultureInfo.InvariantCulture, $"Round {round.Number} trains version {round.ModelVersion}, the update is from version {update.BaseVersion}."));
        }

        if (context.Now > round.Deadline)
        {
            return UpdateVerdict.Reject(
                RejectionReason.TooStale,
                string.Create(CultureInfo.InvariantCulture, $"Round {round.Number} closed at its deadline {round.Deadline:O}."));
        }

        if (!InCohort(round, update.DeviceId))
        {
            return UpdateVerdict.Reject(
                RejectionReason.NotInCohort,
                string.Create(CultureInfo.InvariantCulture, $"Device '{update.DeviceId}' was not sampled for round {round.Number}."));
        }

        return UpdateValidation.CheckNotDuplicate(update, buffer);
    }

    /// <inheritdoc/>
    public RoundState Configure(RoundState state, RoundContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(context);
        if (state.Round is not null)
        {
            return state;
        }

        var available = context.Devices.Where(d => d.Available).Select(d => d.DeviceId);
        return TryOpenRound(available, state.RoundNumber + 1, context.CurrentVersion, context.Now, context.Random, out var round)
            ? state with { Round = round, RoundNumber = round.Number }
            : state;
    }

    /// <inheritdoc/>
    public RoundDecision Decide(RoundState state, IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(context);
        return state.Round is null ? RoundDecision.Wait : Decide(state.Round, buffer, context.Now);
    }

    /// <inheritdoc/>
    public RoundState AfterStep(RoundState state, ParameterSet before, ParameterSet after, RoundContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state with { Round = null };
    }

    /// <inheritdoc/>
    public int UpdatesWanted(IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(context);
        return Math.Max(0, (context.Round?.Cohort.Count ?? 0) - buffer.Count);
    }

    /// <inheritdoc/>
    public bool IsReady(IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Round is not null && Decide(context.Round, buffer, context.Now) == RoundDecision.Close;
    }

    /// <inheritdoc/>
    public AggregationResult Aggregate(ParameterSet model, IReadOnlyList<ClientUpdate> buffer, AggregationContext context)
    {
        var ordered = AggregationStep.Canonical(buffer, context);
        double[] weights = SampleWeights(ordered, Options.MaxSampleWeight);
        var next = AggregationStep.Apply(model, ordered, weights, Options.ServerLearningRate, Combiner, context);
        var report = new AggregationReport(
            Name,
            context.CurrentVersion,
            context.CurrentVersion + 1,
            AggregationStep.Contributions(ordered, weights, context),
            Options.ServerLearningRate,
            Combiner.Name);
        return new AggregationResult(next, report);
    }

    /// <inheritdoc/>
    public IAggregationStrategy WithCombiner(IUpdateCombiner combiner)
    {
        ArgumentNullException.ThrowIfNull(combiner);
        return new FedAvgStrategy(Options, combiner);
    }

    /// <summary>
    /// p_k = min(n_k, cap) / Σ_j min(n_j, cap) (McMahan et al. 2017, Alg. 1, with each claimed count capped: n_k is the
    /// device's word, and an uncapped claim of 10⁷ would make one update the whole step), summed as integers so the
    /// weights are exact to double rounding.
    /// </summary>
    internal static double[] SampleWeights(IReadOnlyList<ClientUpdate> ordered, long maxSampleWeight)
    {
        long total = 0;
        foreach (var update in ordered)
        {
            total = checked(total + Math.Min(update.SampleCount, maxSampleWeight));
        }

        var weights = new double[ordered.Count];
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = (double)Math.Min(ordered[i].SampleCount, maxSampleWeight) / total;
        }

        return weights;
    }

    private static bool InCohort(TrainingRound round, string deviceId)
    {
        foreach (string member in round.Cohort)
        {
            if (string.Equals(member, deviceId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
