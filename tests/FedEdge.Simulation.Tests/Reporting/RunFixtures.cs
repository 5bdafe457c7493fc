using FedEdge.Simulation.Reporting;
using FedEdge.Simulation.Results;

namespace FedEdge.Simulation.Tests.Reporting;

/// <summary>
/// Two strategies × three seeds with round numbers, so the aggregates can be worked out by hand
/// (the arithmetic is in <see cref="SimulationSummaryTests"/>).
/// </summary>
internal static class RunFixtures
{
    public static readonly string[] Classes = ["pi-zero-2w", "pi-4-2gb", "pi-5-8gb"];

    public static SummaryOptions Options(bool dp = true) => new(
        Devices: 6,
        Dataset: "synthetic",
        Partition: "natural",
        Strategies: ["ftte", "fedavg"],
        Codec: "Float16",
        Dp: dp ? "UserLevel" : "None",
        Epsilon: dp ? 8 : null,
        Delta: dp ? 1e-5 : null,
        Stragglers: 0.2,
        HorizonHours: 12,
        TargetAccuracy: 0.8,
        Seeds: [0, 1, 2],
        BufferSize: 10,
        ClientsPerRound: 10);

    // hours to target   fedavg 4, 5, 6         ftte 2, 3, never
    // final accuracy    fedavg .80, .82, .84   ftte .83, .85, .78
    // upload bytes      fedavg 1.0, 1.2, 1.4 M ftte 0.2, 0.3, 0.4 M
    // upload to target  fedavg 0.5, 0.6, 0.7 M ftte 0.1, 0.2, never
    // peak memory       fedavg 4 000 000       ftte 1 000 000
    // accepted updates  fedavg 100, 110, 120   ftte 300, 330, 360
    public static IReadOnlyList<RunResult> Runs() =>
    [
        Run("fedavg", 0, hours: 4, final: 0.80, upload: 1_000_000, toTarget: 500_000, memory: 4_000_000, accepted: 100),
        Run("fedavg", 1, hours: 5, final: 0.82, upload: 1_200_000, toTarget: 600_000, memory: 4_000_000, accepted: 110),
        Run("fedavg", 2, hours: 6, final: 0.84, upload: 1_400_000, toTarget: 700_000, memory: 4_000_000, accepted: 120),
        Run("ftte", 0, hours: 2, final: 0.83, upload: 200_000, toTarget: 100_000, memory: 1_000_000, accepted: 300),
        Run("ftte", 1, hours: 3, final: 0.85, upload: 300_000, toTarget: 200_000, memory: 1_000_000, accepted: 330),
        Run("ftte", 2, hours: null, final: 0.78, upload: 400_000, toTarget: null, memory: 1_000_000, accepted: 360),
    ];

    public static RunResult Run(string strategy, int seed, double? hours, double final, long upload, long? toTarget, long memory, long accepted)
    {
        const double horizon = 12;
        const int steps = 48;
        bool async = strategy != "fedavg";
        var timeline = new TimelinePoint[steps];
        for (int i = 0; i < steps; i++)
        {
            double t = horizon * (i + 1) / steps;
            // Rises from 0.3 toward `final`, with a per-seed wobble so the seeds' lines differ.
            double accuracy = 0.3 + ((final - 0.3) * (1 - Math.Exp(-t / (async ? 2.0 : 3.5)))) + (0.01 * Math.Sin(t + seed));
            timeline[i] = new TimelinePoint(t, i + 1, accuracy, upload * (i + 1) / steps, accepted * (i + 1) / steps);
        }

        return new RunResult
        {
            Strategy = strategy,
            Seed = seed,
            InitialAccuracy = 0.3,
            FinalModelSha256 = $"{strategy}-{seed}",
            FinalAccuracy = final,
            BestAccuracy = final + 0.01,
            FinalVersion = steps,
            HoursToTarget = hours,
            SimulatedHours = horizon,
            UploadBytes = upload,
            UploadBytesToTarget = toTarget,
            AcceptedUpdates = accepted,
            Rejected = new Dictionary<string, long> { ["stale"] = seed, ["not-in-cohort"] = 2 },
            InterruptedRuns = 3 + seed,
            BudgetRefusals = seed,
            PeakTrainingMemoryBytes = memory,
            TrainableCoordinates = async ? 500 : 2000,
            EpsilonPerDevice = [.. Enumerable.Range(0, 6).Select(d => (async ? 6.0 : 4.0) * (d + seed + 1) / 9)],
            EpsilonAgainstAggregatorPerDevice = [.. Enumerable.Range(0, 6).Select(d => (async ? 9.0 : 6.0) * (d + seed + 1) / 9)],
            NoiseMultiplier = 2.5,
            PrivacyTimeline = [new PrivacyPoint(0, 0, 0, 0, 0), new PrivacyPoint(6, 0.4 + seed, 0.9 + seed, 0.7 + seed, 2.1 + seed)],
            StalenessHistogram = async ? [accepted / 2, accepted / 4, accepted / 8, accepted / 8] : [accepted],
            Participation =
            [
                new MemoryClassParticipation(Classes[0], 2, async ? accepted / 4 : 0, async ? 2 : 0),
                new MemoryClassParticipation(Classes[1], 2, accepted / 4, 2),
                new MemoryClassParticipation(Classes[2], 2, accepted - (accepted / 4) - (async ? accepted / 4 : 0), 2),
            ],
            Timeline = timeline,
            WallSeconds = 1.5 + seed,
        };
    }
}
