using System.Globalization;
using FedEdge.Device.Contribution;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.SecureAggregation;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.Codecs;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Fleet;
using FedEdge.Simulation.Transport;

namespace FedEdge.Simulation.Running;

/// <summary>Everything a simulation run is parameterised by. Defaults are the README's <c>fededge simulate</c>.</summary>
public sealed record SimulationOptions
{
    /// <summary>Fleet size.</summary>
    public int Devices { get; init; } = 50;

    /// <summary>Strategies compared, each on the same fleet and data.</summary>
    public IReadOnlyList<StrategyKind> Strategies { get; init; } = [StrategyKind.Ftte, StrategyKind.FedAvg];

    /// <summary>Update codec for dense strategies (FTTE always sends its sparse subset).</summary>
    public UpdateEncoding Codec { get; init; } = UpdateEncoding.Float16;

    /// <summary>Bits per coordinate with <see cref="UpdateEncoding.PackedStochastic"/>. Default 3.</summary>
    public int PackedBits { get; init; } = 3;

    /// <summary>DP mechanism on the devices.</summary>
    public ContributionPrivacy Privacy { get; init; } = ContributionPrivacy.None;

    /// <summary>Each device's privacy budget ε (with DP).</summary>
    public double Epsilon { get; init; } = 8;

    /// <summary>δ of the budget.</summary>
    public double Delta { get; init; } = 1e-5;

    /// <summary>
    /// With DP, the noise is set so that this many contributions spend the device's ε exactly; with random check-ins
    /// (<see cref="CheckInRate"/> &lt; 1), this many contributions <em>expected</em>: the noise affords
    /// <see cref="OfferedRounds"/> = ⌈C/q⌉ offered rounds.
    /// </summary>
    public int ContributionsPerDevice { get; init; } = 20;

    /// <summary>
    /// q, the devices' random check-in rate (<c>Agent:Privacy:CheckInRate</c>, user-level DP only). Default 1: no check-ins,
    /// today's accounting exactly.
    /// </summary>
    public double CheckInRate { get; init; } = 1.0;

    /// <summary>With check-ins: how long a declined version stays current before it is offered again (<c>Agent:Privacy:CheckInReofferAfter</c>).</summary>
    public TimeSpan CheckInReofferAfter { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Offered rounds the user-level noise affords: ⌈<see cref="ContributionsPerDevice"/>/<see cref="CheckInRate"/>⌉ (= C at q = 1).</summary>
    public long OfferedRounds => (long)Math.Ceiling(ContributionsPerDevice / CheckInRate - 1e-9);

    /// <summary>Clipping norm (user level: the whole update; sample level: per example).</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Accuracy (on the pooled test set) whose first crossing is reported as time to target.</summary>
    public double TargetAccuracy { get; init; } = 0.80;

    /// <summary>Simulated horizon.</summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Stop a strategy's run once it reaches the target (final accuracy is then the accuracy at that time).</summary>
    public bool StopAtTarget { get; init; }

    /// <summary>Seeds; each seed is a fresh fleet, data partition and initial model, shared by all strategies.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [0];

    /// <summary>The data.</summary>
    public DatasetSource Dataset { get; init; } = new(DatasetKind.Synthetic);

    /// <summary>How the data is dealt to the devices.</summary>
    public PartitionSpec Partition { get; init; } = PartitionSpec.Natural;

    /// <summary>Windows per synthetic home.</summary>
    public int SamplesPerHome { get; init; } = 160;

    /// <summary>Hidden layer widths of the MLP (empty = logistic regression).</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [32];

    /// <summary>Fraction of devices that are ≥ 10× slower.</summary>
    public double StragglerFraction { get; init; } = 0.2;

    /// <summary>Fraction of devices on mains power (always idle and powered).</summary>
    public double MainsFraction { get; init; } = 0.3;

    /// <summary>Probability that a check-in finds the device busy or offline.</summary>
    public double DropoutProbability { get; init; } = 0.05;

    /// <summary>Probability that an upload session drops before the broker's acknowledgement (the update stays in the outbox).</summary>
    public double LossProbability { get; init; } = 0.02;

    /// <summary>Board classes of the fleet.</summary>
    public IReadOnlyList<BoardClass> Boards { get; init; } = BoardClass.Defaults;

    /// <summary>K: updates per server step (FedBuff, FTTE).</summary>
    public int BufferSize { get; init; } = 10;

    /// <summary>FedAvg cohort size.</summary>
    public int ClientsPerRound { get; init; } = 10;

    /// <summary>FedAvg round deadline.</summary>
    public TimeSpan RoundDeadline { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Server learning rate.</summary>
    public double ServerLearningRate { get; init; } = 1.0;

    /// <summary>FTTE: memory classes that can hold the whole model train all of it (default true, the aggregator's default); false: every device trains the subset.</summary>
    public bool FtteDenseWhereItFits { get; init; } = true;

    /// <summary>
    /// Whether a device whose model asks it to train every coordinate (FedAvg, FedBuff, or an FTTE class told to train densely)
    /// sits its contributions out when the whole model's modelled training memory is over its board's budget (true), or trains
    /// beyond the budget (false, the default: every device trains in FTTE's FedAvg and FedBuff baselines). A device that sits
    /// out still checks in and receives models; it is not offered the round, so it spends no ε.
    /// </summary>
    public bool OverBudgetSitsOut { get; init; }

    /// <summary>How the aggregator pools a step's updates (default the aggregator's own default, the trimmed mean).</summary>
    public RobustKind Robust { get; init; } = RobustKind.TrimmedMean;

    /// <summary>Largest staleness accepted (FedBuff, FTTE).</summary>
    public int MaxStaleness { get; init; } = 20;

    /// <summary>The interval between server steps the pace message steers toward.</summary>
    public TimeSpan TargetStepInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Local epochs.</summary>
    public int LocalEpochs { get; init; } = 2;

    /// <summary>Local batch size.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Local learning rate.</summary>
    public float LearningRate { get; init; } = 0.1f;

    /// <summary>Personal models to evaluate at the end of each run (none, auto, head, ditto or local-only).</summary>
    public FedEdge.Device.Personalization.PersonalizationMode Personalize { get; init; } = FedEdge.Device.Personalization.PersonalizationMode.None;

    /// <summary>Validation samples a device needs before it may serve its personal model.</summary>
    public int PersonalMinValidation { get; init; } = 5;

    /// <summary>Ditto's proximal weight λ.</summary>
    public float ProximalLambda { get; init; } = 0.1f;

    /// <summary>External broker; null = the embedded one.</summary>
    public BrokerEndpoint? Broker { get; init; }

    /// <summary>
    /// Whether a check-in with nothing new for the device (it holds the current model and pace, its outbox is empty) skips
    /// its broker session, as an agent on its kept connection receives nothing then (default). False opens a session for
    /// every check-in: slower, the same decisions.
    /// </summary>
    public bool QuietCheckIns { get; init; } = true;

    /// <summary>Working directory for device and aggregator state (a temporary one when null).</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>
    /// Most virtual devices with their outbox's SQLite connection open at once, the most recently active (the others reopen
    /// theirs when they next act). Not a command-line option: it changes memory and speed, never results.
    /// </summary>
    internal int OpenOutboxes { get; init; } = 64;

    /// <summary>
    /// Devices whose end-of-run personalization is evaluated at once (each worker with its own ONNX Runtime sessions); by
    /// default one per processor. Not a command-line option: it changes speed, never results (every device's randomness
    /// comes from the run seed and its index).
    /// </summary>
    internal int EvaluationWorkers { get; init; } = Environment.ProcessorCount;

    /// <summary>Where summary.json, report.md and the plots go (none when null).</summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Throws naming every invalid option.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        void Check(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Check(Devices is >= 1 and <= 10_000, "--devices must be in 1..10000");
        Check(OpenOutboxes >= 1, "at least one outbox must be allowed open");
        Check(EvaluationWorkers >= 1, "at least one evaluation worker is needed");
        Check(Strategies.Count > 0 && Strategies.All(Enum.IsDefined), "--strategy must name fedavg, fedbuff, ftte or all");
        Check(Codec is UpdateEncoding.DenseFloat32 or UpdateEncoding.Float16 or UpdateEncoding.Int8Stochastic or UpdateEncoding.TopKSparse or UpdateEncoding.PackedStochastic, "--codec must be dense, float16, int8, topk, packed2, packed3 or packed4");
        Check(PackedBits is >= PackedStochasticCodec.MinBits and <= PackedStochasticCodec.MaxBits, "the packed codec's width must be 2 to 4 bits");
        Check(Epsilon > 0 && double.IsFinite(Epsilon), "--epsilon must be positive");
        Check(Delta is > 0 and < 1, "--delta must be in (0, 1)");
        Check(ContributionsPerDevice is >= 1 and <= 100_000, "--contributions-per-device must be in 1..100000");
        Check(CheckInRate is > 0 and <= 1, "--checkin-rate must be in (0, 1]");
        Check(CheckInReofferAfter >= TimeSpan.FromSeconds(1) && CheckInReofferAfter <= TimeSpan.FromDays(30), "--checkin-reoffer must be between 1 s and 30 days");
        Check(CheckInRate >= 1 || Privacy is ContributionPrivacy.UserLevel or ContributionPrivacy.Distributed, "--checkin-rate below 1 needs --dp user or --dp distributed (random check-ins amplify the user-level release)");
        Check(Privacy != ContributionPrivacy.Distributed || !Strategies.Contains(StrategyKind.FedAvg), DistributedFedAvgRefusal);
        Check(Privacy != ContributionPrivacy.Distributed || BufferSize >= 2, "--dp distributed needs --buffer of at least 2 (the buffer is the secure-aggregation group)");
        Check(ClipNorm > 0 && double.IsFinite(ClipNorm), "--clip must be positive");
        Check(TargetAccuracy is > 0 and <= 1, "--target-accuracy must be in (0, 1]");
        Check(MaxTime > TimeSpan.Zero && MaxTime <= TimeSpan.FromDays(365), "--max-time must be positive and at most 365 days");
        Check(Seeds.Count is >= 1 and <= 100, "--seeds must list 1..100 seeds");
        Check(SamplesPerHome is >= 4 and <= 100_000, "--samples-per-home must be in 4..100000");
        Check(Hidden.All(h => h is >= 1 and <= 4096), "--hidden widths must be in 1..4096");
        Check(StragglerFraction is >= 0 and <= 1, "--stragglers must be in [0, 1]");
        Check(MainsFraction is >= 0 and <= 1, "--mains must be in [0, 1]");
        Check(DropoutProbability is >= 0 and < 1, "--dropout must be in [0, 1)");
        Check(LossProbability is >= 0 and < 1, "--loss must be in [0, 1)");
        Check(BufferSize is >= 1 and <= 10_000, "--buffer must be in 1..10000");
        Check(ServerLearningRate is > 0 and <= 100, "--server-lr must be in (0, 100]");
        Check(ClientsPerRound is >= 1 and <= 10_000, "--clients-per-round must be in 1..10000");
        Check(LocalEpochs is >= 1 and <= 100 && BatchSize is >= 1 and <= 4096, "--epochs must be in 1..100 and --batch-size in 1..4096");
        Check(LearningRate > 0 && float.IsFinite(LearningRate), "--lr must be positive");
        Check(Enum.IsDefined(Personalize), "--personalize must be none, auto, head, ditto or local-only");
        Check(PersonalMinValidation is >= 1 and <= 100_000, "--personal-min-validation must be in 1..100000");
        Check(ProximalLambda >= 0 && float.IsFinite(ProximalLambda), "--lambda must be ≥ 0");
        Check(Partition.Kind != PartitionKind.Natural || Dataset.Kind == DatasetKind.Synthetic, "--partition natural needs --dataset synthetic");
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid simulation options: " + string.Join("; ", errors) + ".");
        }
    }

    /// <summary>Why FedAvg and <c>--dp distributed</c> do not go together (the aggregator refuses the combination too).</summary>
    public const string DistributedFedAvgRefusal =
        "--dp distributed runs with --strategy fedbuff or ftte (one secure-aggregation group = one buffer of K = --buffer); FedAvg's cohort rounds are not wired to secure-aggregation groups, and the aggregator refuses the combination";

    /// <summary>
    /// The user-level noise multiplier z every device gets: the least with which <see cref="OfferedRounds"/> releases,
    /// each Poisson-subsampled at <see cref="CheckInRate"/> (one step each), spend the device's ε at δ (1 without user-level DP).
    /// With <see cref="ContributionPrivacy.Distributed"/> it is the z of the whole group's noise, which the ledger charges the
    /// same way; <see cref="DistributedEncoding"/> calibrates it through the discrete accountant.
    /// </summary>
    public double UserLevelNoiseMultiplier(FedEdge.Core.Privacy.RdpAccountant accountant)
    {
        ArgumentNullException.ThrowIfNull(accountant);
        return Privacy is ContributionPrivacy.UserLevel or ContributionPrivacy.Distributed
            ? accountant.MinimumNoiseMultiplier(Epsilon, Delta, CheckInRate, OfferedRounds)
            : 1.0;
    }

    /// <summary>
    /// <c>--dp distributed</c>: the DDGauss encoding of groups of n = <see cref="BufferSize"/> for a model of
    /// <paramref name="dimension"/> parameters, calibrated by <see cref="DistributedDiscreteGaussianAccountant.Calibrate"/> so
    /// that <see cref="OfferedRounds"/> offers at <see cref="CheckInRate"/> spend ε at δ — the least z with which the devices'
    /// ledgers, charging every offer the subsampled Gaussian at z, stay within ε. n_min is the aggregator's default
    /// (<see cref="SecAggCoordinatorOptions.ForFleet"/>: ⌈0.7·n⌉), b its default 16 bits.
    /// </summary>
    public DistributedDiscreteGaussianParameters DistributedEncoding(int dimension)
    {
        var accountant = new FedEdge.Core.Privacy.RdpAccountant();
        var fleet = new FleetPrivacyOptions { Mode = FleetDpMode.Distributed, ClipNorm = ClipNorm, NoiseMultiplier = UserLevelNoiseMultiplier(accountant) };

        // the aggregator's own group shape (n_min, b) for these settings, then z calibrated for it
        var shape = SecAggCoordinatorOptions.ForFleet(fleet, "sim", BufferSize, dimension);
        return new DistributedDiscreteGaussianAccountant(accountant).Calibrate(
            Epsilon, Delta, CheckInRate, OfferedRounds, dimension, ClipNorm, fleet.SecAggBits, shape.MinimumSurvivors, BufferSize);
    }

    /// <summary>The check-in part of <see cref="Describe"/>: empty without check-ins.</summary>
    public string DescribeCheckIns() => CheckInRate >= 1 ? string.Empty : string.Create(CultureInfo.InvariantCulture,
        $" check-in q={CheckInRate:G3} (z={UserLevelNoiseMultiplier(new FedEdge.Core.Privacy.RdpAccountant()):F3} for {OfferedRounds} offered rounds)");

    /// <summary>
    /// Settings that are valid but will make a run slow to learn, one sentence each (empty when none). With random
    /// check-ins a device flips its coin once per model version it is offered, so one version brings at most q·homes
    /// joins; a buffer (the secure-aggregation group, for --dp distributed) of more than half of that fills only when
    /// nearly every home has checked in for a version, and the steps come slowly.
    /// </summary>
    public IReadOnlyList<string> Advisories()
    {
        double perVersion = CheckInRate * Devices;
        bool buffered = Strategies.Any(s => s != StrategyKind.FedAvg);
        return CheckInRate < 1 && buffered && BufferSize > perVersion / 2
            ? [string.Create(CultureInfo.InvariantCulture,
                $"--buffer {BufferSize} needs {BufferSize} joins, but each home flips its check-in coin once per model version, so a version brings at most q·homes = {perVersion:G4}: steps will wait for nearly every home to check in; a buffer of at most {Math.Max(1, (int)(perVersion / 2))} keeps them coming")]
            : [];
    }

    /// <summary>One line describing the setup.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Devices} devices, {Dataset} data ({Partition}), {StragglerFraction:P0} stragglers, DP {Privacy}{(Privacy == ContributionPrivacy.None ? string.Empty : $" ε={Epsilon:G3} δ={Delta:G2}")}{DescribeCheckIns()}, codec {(Codec == UpdateEncoding.PackedStochastic ? $"Packed{PackedBits}" : Codec.ToString())}, K={BufferSize}, pooling {Robust}, horizon {MaxTime.TotalHours:G3} h");
}
