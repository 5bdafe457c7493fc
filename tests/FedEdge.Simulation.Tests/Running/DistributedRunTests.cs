using FedEdge.Aggregation.Engine;
using FedEdge.Core.DistributedDp;
using FedEdge.Core.Privacy;
using FedEdge.Device.Contribution;
using FedEdge.Simulation.Data;
using FedEdge.Simulation.Reporting;
using FedEdge.Simulation.Results;
using FedEdge.Simulation.Running;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Simulation.Tests.Running;

/// <summary>
/// <c>--dp distributed</c> end to end: the agents' secure-aggregation participants and the aggregator's node talking over the
/// embedded broker on the secagg topics, on the virtual clock.
/// </summary>
public sealed class DistributedRunTests
{
    /// <summary>24 homes, half on mains, FedBuff with groups of K = 10, six simulated hours, no session losses.</summary>
    private static SimulationOptions Fleet(double epsilon, int contributions) => new()
    {
        Devices = 24,
        Strategies = [StrategyKind.FedBuff],
        Dataset = new DatasetSource(DatasetKind.Synthetic),
        Partition = PartitionSpec.Natural,
        SamplesPerHome = 80,
        MaxTime = TimeSpan.FromHours(6),
        MainsFraction = 0.5,
        BufferSize = 10,
        Privacy = ContributionPrivacy.Distributed,
        Epsilon = epsilon,
        Delta = 1e-6,
        ContributionsPerDevice = contributions,
        LossProbability = 0,
        Seeds = [5],
    };

    [Fact]
    public async Task A_small_distributed_fleet_releases_groups_learns_and_no_ledger_exceeds_its_budget()
    {
        // a lossy network (5 % of the inbox deliveries lost) on top of the windows: real dropouts inside running groups
        var options = Fleet(epsilon: 30, contributions: 10) with { LossProbability = 0.05 };
        var run = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        var secAgg = Assert.IsType<SecureAggregationResult>(run.SecureAggregation);
        Assert.Equal(10, secAgg.GroupSize);
        Assert.Equal(7, secAgg.MinimumSurvivors); // ⌈0.7 · 10⌉, the aggregator's default
        Assert.True(secAgg.GroupsReleased >= 3, $"{secAgg.GroupsReleased} groups released");
        Assert.True(secAgg.GroupsFormed >= secAgg.GroupsReleased);
        Assert.Equal(secAgg.GroupsReleased + 1, run.FinalVersion); // each applied release is one server step from v1
        Assert.InRange(secAgg.MeanSurvivors, secAgg.MinimumSurvivors, secAgg.GroupSize);
        Assert.True(secAgg.MeanSurvivors < secAgg.GroupSize, "members dropped out of released groups, and the groups were released without them");
        Assert.Equal(1 - (secAgg.MeanSurvivors / secAgg.GroupSize), secAgg.DropoutRateReleased, 12);
        Assert.Equal(run.AcceptedUpdates, (long)Math.Round(secAgg.MeanSurvivors * secAgg.GroupsReleased));
        Assert.True(secAgg.MaskedInputs >= run.AcceptedUpdates);
        Assert.True(secAgg.UploadBytes > 0 && secAgg.UploadBytes == run.UploadBytes, "in distributed mode every upload byte is secagg traffic");

        // the noise on the released mean: γσ/√s lies between the full group's and the fewest survivors'
        Assert.InRange(
            secAgg.NoisePerCoordinate,
            secAgg.Gamma * Math.Sqrt(secAgg.LocalVariance / secAgg.GroupSize) * (1 - 1e-12),
            secAgg.Gamma * Math.Sqrt(secAgg.LocalVariance / secAgg.MinimumSurvivors) * (1 + 1e-12));

        // five classes: chance is 20 %; the noisy group means still learn
        Assert.True(run.BestAccuracy > 0.6 && run.BestAccuracy > run.InitialAccuracy + 0.25, $"initial {run.InitialAccuracy:P1}, best {run.BestAccuracy:P1}");

        // every ledger within ε; without check-ins both observers see the same ε
        Assert.All(run.EpsilonPerDevice, e => Assert.InRange(e, 0, options.Epsilon + 1e-9));
        Assert.True(run.MaxEpsilon > 1, "devices did spend budget");
        Assert.Equal(run.EpsilonPerDevice, run.EpsilonAgainstAggregatorPerDevice);

        // z was calibrated for C = 10 unamplified releases at (ε, δ): that many spend at most ε
        double z = Assert.IsType<double>(run.NoiseMultiplier);
        Assert.InRange(new RdpAccountant().GetPrivacySpent(new SubsampledGaussian(1.0, z, options.OfferedRounds), options.Delta).Epsilon, options.Epsilon - 0.05, options.Epsilon);

        // the privacy timeline: from 0 to the ledgers' final values, never decreasing
        Assert.Equal(0, run.PrivacyTimeline[0].MaxEpsilon);
        Assert.Equal(run.MaxEpsilon, run.PrivacyTimeline[^1].MaxEpsilon);
        Assert.Equal(run.MeanEpsilonAgainstAggregator, run.PrivacyTimeline[^1].MeanEpsilonAgainstAggregator, 12);
        Assert.True(run.PrivacyTimeline.Zip(run.PrivacyTimeline.Skip(1)).All(p => p.Second.MeanEpsilon >= p.First.MeanEpsilon));

        // the report: the ε-over-time figure, the secure-aggregation table, and both read back from summary.json
        using var dir = new TempDirectory();
        var files = SimulationReport.WriteAll(dir.Path, SimulationSummary.Create(SummaryOptions.From(options), [run]), []);
        Assert.Contains(files, f => f.EndsWith(PlotRenderer.EpsilonOverTimeFile, StringComparison.Ordinal));
        string md = await File.ReadAllTextAsync(Path.Combine(dir.Path, ReportWriter.FileName), TestContext.Current.CancellationToken);
        Assert.Contains("## Secure aggregation (distributed discrete Gaussian)", md, StringComparison.Ordinal);
        var back = SummaryJson.Read(Path.Combine(dir.Path, SummaryJson.FileName)).Runs[0];
        Assert.Equal(secAgg, back.SecureAggregation);
        Assert.Equal(run.PrivacyTimeline, back.PrivacyTimeline);
    }

    [Fact]
    public async Task Two_distributed_runs_with_one_seed_give_identical_results()
    {
        var options = Fleet(epsilon: 30, contributions: 10) with { MaxTime = TimeSpan.FromHours(4) };
        var a = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));
        var b = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        Assert.True(a.SecureAggregation!.GroupsReleased > 0, "a release must happen for the comparison to mean something");
        DeterminismTests.AssertSame(a, b);
    }

    [Fact]
    public async Task Under_FTTE_the_smallest_boards_train_their_subset_through_secure_aggregation_and_the_fleet_still_learns()
    {
        // the digits MLP does not fit the Pi Zero 2 W's 24 KiB budget: it trains the subset, the other boards train densely
        var options = Fleet(epsilon: 30, contributions: 10) with
        {
            Strategies = [StrategyKind.Ftte],
            Dataset = new DatasetSource(DatasetKind.Digits, SharedDataFiles.DigitsPath()),
            Partition = PartitionSpec.Dirichlet(0.3),
            Hidden = [32],
            Devices = 40,
        };
        var run = Assert.Single(await SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        var secAgg = Assert.IsType<SecureAggregationResult>(run.SecureAggregation);
        Assert.True(secAgg.GroupsReleased >= 3, $"{secAgg.GroupsReleased} groups released");
        Assert.Equal(secAgg.GroupsReleased + 1, run.FinalVersion); // no released group was refused (an unknown subset would be)
        Assert.InRange(run.TrainableCoordinates, 1, 2410 / 2); // the smallest board's subset, not all 2,410
        Assert.InRange(run.PeakTrainingMemoryBytes, 1, 24 * 1024); // within the Zero 2 W's budget
        // ten classes: chance is 10 %
        Assert.True(run.BestAccuracy > run.InitialAccuracy + 0.2, $"initial {run.InitialAccuracy:P1}, best {run.BestAccuracy:P1}");
        Assert.All(run.EpsilonPerDevice, e => Assert.InRange(e, 0, options.Epsilon + 1e-9));
    }

    [Fact]
    public void FedAvg_with_distributed_DP_is_refused_with_the_reason()
    {
        var options = new SimulationOptions { Privacy = ContributionPrivacy.Distributed, Strategies = [StrategyKind.Ftte, StrategyKind.FedAvg] };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(SimulationOptions.DistributedFedAvgRefusal, error.Message, StringComparison.Ordinal);
        Assert.Contains("--dp distributed runs with --strategy fedbuff or ftte", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FedAvg_with_distributed_DP_is_refused_before_anything_runs()
    {
        var options = Fleet(3, 20) with { Strategies = [StrategyKind.FedAvg] };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => SimulationRunner.RunAllAsync(options, null, NullLoggerFactory.Instance, TestContext.Current.CancellationToken));

        Assert.Contains(SimulationOptions.DistributedFedAvgRefusal, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0, 20)]
    [InlineData(0.1, 200)]
    public void The_distributed_noise_is_the_least_z_whose_offers_spend_the_budget_as_the_ledger_charges_them(double q, long offers)
    {
        var options = new SimulationOptions { Privacy = ContributionPrivacy.Distributed, Strategies = [StrategyKind.FedBuff], Epsilon = 3, Delta = 1e-6, CheckInRate = q, BufferSize = 10 };
        options.Validate();

        var encoding = options.DistributedEncoding(645);

        // the ledger charges each offer the subsampled Gaussian at z (τ = 0 at these variances): ⌈C/q⌉ offers spend just under ε
        Assert.Equal(offers, options.OfferedRounds);
        Assert.Equal(0, DistributedDiscreteGaussianAccountant.Tau(encoding.LocalVariance, encoding.MinimumSurvivors));
        Assert.InRange(new RdpAccountant().GetPrivacySpent(new SubsampledGaussian(q, encoding.NoiseMultiplier, offers), 1e-6).Epsilon, 2.99, 3.0);
        Assert.Equal(options.UserLevelNoiseMultiplier(new RdpAccountant()), encoding.NoiseMultiplier, 12);
        Assert.Equal(7, encoding.MinimumSurvivors);
        Assert.Equal(10, encoding.MaximumGroupSize);
        Assert.Equal(16, encoding.Bits);
    }

    [Fact]
    public void Check_ins_are_accepted_with_distributed_DP_and_still_refused_without_a_user_level_release()
    {
        new SimulationOptions { Privacy = ContributionPrivacy.Distributed, Strategies = [StrategyKind.FedBuff], CheckInRate = 0.1 }.Validate();

        var error = Assert.Throws<ArgumentException>(new SimulationOptions { Privacy = ContributionPrivacy.SampleLevel, CheckInRate = 0.1 }.Validate);
        Assert.Contains("--checkin-rate below 1 needs --dp user or --dp distributed", error.Message, StringComparison.Ordinal);
    }
}
