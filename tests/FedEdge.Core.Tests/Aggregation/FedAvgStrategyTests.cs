using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.FedAvg;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

public class FedAvgStrategyTests
{
    private const float Tolerance = 1e-6f;

    private static readonly ClientUpdate[] ThreeClients =
    [
        Update("a", 7, [1, 2, 0, -1], samples: 10),
        Update("b", 7, [0, 2, 4, 1], samples: 30),
        Update("c", 7, [1, 0, -1, 0], samples: 60),
    ];

    [Fact]
    public void Aggregate_weights_updates_by_sample_count()
    {
        // n = 10 + 30 + 60 = 100, so p = 0.1, 0.3, 0.6:
        // Σ p Δ = 0.1·[1,2,0,−1] + 0.3·[0,2,4,1] + 0.6·[1,0,−1,0]
        //       = [0.1+0+0.6, 0.2+0.6+0, 0+1.2−0.6, −0.1+0.3+0] = [0.7, 0.8, 0.6, 0.2]
        // global [1,1,1,1] + 1·[0.7,0.8,0.6,0.2] = [1.7, 1.8, 1.6, 1.2]
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3 });

        var result = strategy.Aggregate(Model(1, 1, 1, 1), ThreeClients, Context(7));

        Assert.Equal([1.7f, 1.8f, 1.6f, 1.2f], result.Global.Buffer, (x, y) => Math.Abs(x - y) <= Tolerance);
    }

    [Fact]
    public void Aggregate_scales_the_averaged_delta_by_the_server_learning_rate()
    {
        // η = 0.5: [1,1,1,1] + 0.5·[0.7,0.8,0.6,0.2] = [1.35, 1.4, 1.3, 1.1]
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, ServerLearningRate = 0.5 });

        var result = strategy.Aggregate(Model(1, 1, 1, 1), ThreeClients, Context(7));

        Assert.Equal([1.35f, 1.4f, 1.3f, 1.1f], result.Global.Buffer, (x, y) => Math.Abs(x - y) <= Tolerance);
    }

    [Fact]
    public void Aggregate_reports_sample_weights_and_the_next_version_without_touching_the_input_model()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3 });
        var model = Model(1, 1, 1, 1);

        var report = strategy.Aggregate(model, ThreeClients, Context(7)).Report;

        Assert.Equal([0.1, 0.3, 0.6], report.Contributions.Select(c => c.Weight), (x, y) => Math.Abs(x - y) <= 1e-15);
        Assert.Equal(["a", "b", "c"], report.Contributions.Select(c => c.DeviceId));
        Assert.Equal((7L, 8L), (report.PreviousVersion, report.NewVersion));
        Assert.Equal([1f, 1f, 1f, 1f], model.Buffer);
    }

    [Fact]
    public void A_claimed_sample_count_above_the_cap_is_weighted_as_the_cap()
    {
        // cap 40: the claims 10, 30, 10,000,000 weigh as 10, 30, 40, so p = 0.125, 0.375, 0.5 (not 10⁻⁶, 3·10⁻⁶, ≈ 1)
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, MaxSampleWeight = 40 });
        ClientUpdate[] clients = [ThreeClients[0], ThreeClients[1], ThreeClients[2] with { SampleCount = 10_000_000 }];

        var report = strategy.Aggregate(Model(1, 1, 1, 1), clients, Context(7)).Report;

        Assert.Equal([0.125, 0.375, 0.5], report.Contributions.Select(c => c.Weight), (x, y) => Math.Abs(x - y) <= 1e-15);
    }

    [Fact]
    public void The_default_sample_weight_cap_is_the_devices_default_sample_window()
    {
        Assert.Equal(2000, new FedAvgOptions().MaxSampleWeight);
    }

    [Fact]
    public void TryOpenRound_samples_the_same_cohort_for_the_same_seed_whatever_the_order_of_devices()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, MinClients = 2 });
        string[] devices = ["d1", "d2", "d3", "d4", "d5", "d6", "d7"];

        Assert.True(strategy.TryOpenRound(devices, 4, 9, T0, new Random(11), out var first));
        Assert.True(strategy.TryOpenRound(devices.Reverse(), 4, 9, T0, new Random(11), out var second));

        Assert.Equal(first.Cohort, second.Cohort);
        Assert.Equal(3, first.Cohort.Distinct().Count());
        Assert.Subset(devices.ToHashSet(), first.Cohort.ToHashSet());
        Assert.Equal(first.Cohort.Order(StringComparer.Ordinal), first.Cohort);
        Assert.Equal((4L, 9L, T0.AddMinutes(10)), (first.Number, first.ModelVersion, first.Deadline));
    }

    [Fact]
    public void TryOpenRound_samples_every_device_with_positive_probability()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 2, MinClients = 1 });
        string[] devices = ["a", "b", "c", "d", "e"];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rng = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            Assert.True(strategy.TryOpenRound(devices, i, 1, T0, rng, out var round));
            seen.UnionWith(round.Cohort);
        }

        Assert.Equal(devices.Length, seen.Count);
    }

    [Fact]
    public void TryOpenRound_refuses_when_fewer_devices_than_the_minimum_are_available()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 5, MinClients = 3 });

        Assert.False(strategy.TryOpenRound(["a", "b", "b"], 1, 1, T0, new Random(1), out var round));
        Assert.Null(round);
    }

    [Fact]
    public void Decide_waits_before_the_deadline_while_some_of_the_cohort_is_missing()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, MinClients = 2 });
        var round = Round(7, "a", "b", "c");

        Assert.Equal(RoundDecision.Wait, strategy.Decide(round, ThreeClients[..2], T0.AddMinutes(9)));
    }

    [Fact]
    public void Decide_closes_before_the_deadline_once_the_whole_cohort_reported()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, MinClients = 2 });
        var round = Round(7, "a", "b", "c");

        Assert.Equal(RoundDecision.Close, strategy.Decide(round, ThreeClients, T0.AddMinutes(1)));
    }

    [Fact]
    public void Decide_closes_at_the_deadline_with_at_least_the_minimum_number_of_clients()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, MinClients = 2 });
        var round = Round(7, "a", "b", "c");

        // The deadline instant itself counts as passed.
        Assert.Equal(RoundDecision.Close, strategy.Decide(round, ThreeClients[..2], T0.AddMinutes(10)));
        Assert.True(strategy.IsReady(ThreeClients[..2], Context(7, round: round) with { Now = T0.AddMinutes(10) }));
    }

    [Fact]
    public void Decide_abandons_at_the_deadline_with_fewer_than_the_minimum()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, MinClients = 2 });
        var round = Round(7, "a", "b", "c");

        Assert.Equal(RoundDecision.Abandon, strategy.Decide(round, ThreeClients[..1], T0.AddMinutes(10).AddTicks(1)));
        Assert.False(strategy.IsReady(ThreeClients[..1], Context(7, round: round) with { Now = T0.AddMinutes(11) }));
    }

    [Theory]
    [InlineData("z", 7, 5, RejectionReason.NotInCohort)]
    [InlineData("a", 6, 5, RejectionReason.TooStale)]
    [InlineData("a", 7, 11, RejectionReason.TooStale)]
    [InlineData("b", 7, 5, RejectionReason.DeviceAlreadyBuffered)]
    public void Admit_rejects_updates_outside_the_open_round(string device, long baseVersion, int minute, RejectionReason expected)
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, MinClients = 2 });
        var context = Context(7, round: Round(7, "a", "b", "c")) with { Now = T0.AddMinutes(minute) };
        ClientUpdate[] buffer = [ThreeClients[1]];

        var verdict = strategy.Admit(Update(device, baseVersion, [0, 0, 0, 0]), buffer, context);

        Assert.Equal(expected, verdict.Rejection);
        Assert.False(string.IsNullOrEmpty(verdict.Message));
    }

    [Fact]
    public void Admit_rejects_every_update_when_no_round_is_open()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions());

        Assert.Equal(RejectionReason.NotInCohort, strategy.Admit(ThreeClients[0], [], Context(7)).Rejection);
    }

    [Fact]
    public void Admit_accepts_a_sampled_device_on_the_round_version_before_the_deadline()
    {
        var strategy = new FedAvgStrategy(new FedAvgOptions { ClientsPerRound = 3, MinClients = 2 });

        Assert.True(strategy.Admit(ThreeClients[0], [], Context(7, round: Round(7, "a", "b", "c"))).Accepted);
    }

    [Fact]
    public void Options_validation_names_every_invalid_setting()
    {
        var options = new FedAvgOptions { ClientsPerRound = 0, RoundDuration = TimeSpan.Zero, ServerLearningRate = double.NaN };

        var e = Assert.Throws<ArgumentException>(() => new FedAvgStrategy(options));

        Assert.Contains("ClientsPerRound", e.Message, StringComparison.Ordinal);
        Assert.Contains("MinClients", e.Message, StringComparison.Ordinal);
        Assert.Contains("RoundDuration", e.Message, StringComparison.Ordinal);
        Assert.Contains("ServerLearningRate", e.Message, StringComparison.Ordinal);
    }
}
