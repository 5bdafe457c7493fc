using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.Validation;
using FedEdge.Aggregator.Tests.Engine;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Privacy;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Aggregator.Tests.Privacy;

/// <summary>What the aggregator does with the fleet's DP settings: refuse updates without DP, keep its own ε ledger.</summary>
public class FleetPrivacyTests
{
    private static readonly float[] Small = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f];

    private static AggregationEngineOptions OneUpdatePerStep(FleetPrivacyOptions? privacy = null)
    {
        var options = EngineHarness.Options4x2(StrategyKind.FedBuff, k: 1);
        options.MaxStaleness = 1000;
        options.Privacy = privacy ?? new FleetPrivacyOptions();
        return options;
    }

    private static IntakeResult Send(EngineHarness h, string device, int id, DpParameters dp, float[]? delta = null)
    {
        var message = UpdateFactory.Message(device, id, h.Engine.CurrentVersion, delta ?? Small);
        message.Dp = dp;
        return h.Engine.Receive(UpdateFactory.Topic(device), message.ToByteArray());
    }

    /// <summary>
    /// ε after <paramref name="releases"/> Gaussian releases of noise multiplier z, written out here: RDP of the Gaussian
    /// mechanism at order α is α/(2z²) per release (Mironov 2017, Prop. 7), additive over releases, converted to (ε, δ)
    /// with ε = RDP + log(1 − 1/α) − (log δ + log α)/(α − 1) (Canonne, Kamath, Steinke 2020, Prop. 12), minimised over
    /// the orders.
    /// </summary>
    private static double IndependentEpsilon(int releases, double z, double delta)
    {
        double best = double.PositiveInfinity;
        foreach (double alpha in RdpAccountant.DefaultOrders)
        {
            double rdp = releases * alpha / (2 * z * z);
            double epsilon = rdp + Math.Log(1 - (1 / alpha)) - ((Math.Log(delta) + Math.Log(alpha)) / (alpha - 1));
            best = Math.Min(best, epsilon);
        }

        return Math.Max(best, 0);
    }

    [Fact]
    public void An_update_that_declares_no_DP_is_refused_by_a_fleet_configured_for_DP()
    {
        using var h = new EngineHarness(OneUpdatePerStep());

        var result = Send(h, "dev-a", 1, new DpParameters { Mechanism = DpMechanism.None });

        Assert.Equal(RejectionReason.NoDifferentialPrivacy, result.Verdict.Reason);
        Assert.Equal(1, h.Metrics.Rejected.WithLabels(nameof(RejectionReason.NoDifferentialPrivacy)).Value);
        Assert.Equal(1, h.Engine.CurrentVersion);
    }

    [Fact]
    public void An_update_that_declares_no_DP_is_accepted_by_a_fleet_configured_without_DP()
    {
        using var h = new EngineHarness(OneUpdatePerStep(new FleetPrivacyOptions { Mode = FleetDpMode.None }));

        var result = Send(h, "dev-a", 1, new DpParameters { Mechanism = DpMechanism.None });

        Assert.Equal(IntakeOutcome.Accepted, result.Verdict.Kind);
        Assert.Equal(0, h.Engine.PrivacySpent("dev-a"));
    }

    [Fact]
    public void The_aggregators_ledger_charges_each_accepted_Gaussian_release_as_the_independent_RDP_formula_does()
    {
        using var h = new EngineHarness(OneUpdatePerStep());
        for (int k = 1; k <= 5; k++)
        {
            Assert.Equal(IntakeOutcome.Accepted, Send(h, "dev-a", k, UpdateFactory.UserLevelDp(3.0)).Verdict.Kind);

            Assert.Equal(IndependentEpsilon(k, 3.0, 1e-5), h.Engine.PrivacySpent("dev-a"), 9);
        }

        Assert.Equal(0, h.Engine.PrivacySpent("dev-b"));
    }

    [Fact]
    public void An_update_that_would_take_the_device_past_the_fleets_budget_is_refused_and_not_charged()
    {
        // z = 1 at ε = 8, δ = 1e-5: the releases the budget affords, by the independent formula
        int affordable = Enumerable.Range(1, 100).Last(k => IndependentEpsilon(k, 1.0, 1e-5) <= 8);
        using var h = new EngineHarness(OneUpdatePerStep());
        for (int k = 1; k <= affordable; k++)
        {
            Assert.Equal(IntakeOutcome.Accepted, Send(h, "dev-a", k, UpdateFactory.UserLevelDp(1.0)).Verdict.Kind);
        }

        var refused = Send(h, "dev-a", 100, UpdateFactory.UserLevelDp(1.0));

        Assert.Equal(RejectionReason.PrivacyBudgetExceeded, refused.Verdict.Reason);
        Assert.Equal(IndependentEpsilon(affordable, 1.0, 1e-5), h.Engine.PrivacySpent("dev-a"), 9);
        Assert.Equal(IntakeOutcome.Accepted, Send(h, "dev-b", 101, UpdateFactory.UserLevelDp(1.0)).Verdict.Kind);
    }

    [Fact]
    public void The_ledger_survives_a_restart_and_still_refuses_past_the_budget()
    {
        int affordable = Enumerable.Range(1, 100).Last(k => IndependentEpsilon(k, 1.0, 1e-5) <= 8);
        using var h = new EngineHarness(OneUpdatePerStep());
        for (int k = 1; k <= affordable; k++)
        {
            Send(h, "dev-a", k, UpdateFactory.UserLevelDp(1.0));
        }

        double before = h.Engine.PrivacySpent("dev-a");
        using var restarted = h.Restart();

        Assert.Equal(before, restarted.Engine.PrivacySpent("dev-a"));
        Assert.Equal(RejectionReason.PrivacyBudgetExceeded, Send(restarted, "dev-a", 100, UpdateFactory.UserLevelDp(1.0)).Verdict.Reason);
    }

    [Fact]
    public void A_refused_update_and_a_duplicate_are_not_charged()
    {
        using var h = new EngineHarness(OneUpdatePerStep());
        Send(h, "dev-a", 1, UpdateFactory.UserLevelDp());
        double once = h.Engine.PrivacySpent("dev-a");

        var message = UpdateFactory.Message("dev-a", 1, 1, Small); // the same id again
        Assert.Equal(IntakeOutcome.Duplicate, h.Engine.Receive(UpdateFactory.Topic("dev-a"), message.ToByteArray()).Verdict.Kind);
        Assert.Equal(RejectionReason.NormTooLarge, Send(h, "dev-a", 2, UpdateFactory.UserLevelDp(), [1000, 0, 0, 0, 0, 0, 0, 0]).Verdict.Reason);

        Assert.Equal(once, h.Engine.PrivacySpent("dev-a"));
    }

    [Fact]
    public void A_DP_mechanism_declared_with_no_noise_is_refused_as_past_any_budget()
    {
        using var h = new EngineHarness(OneUpdatePerStep());

        var result = Send(h, "dev-a", 1, UpdateFactory.UserLevelDp(0.0));

        Assert.Equal(RejectionReason.PrivacyBudgetExceeded, result.Verdict.Reason);
    }
}
