using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Privacy;
using FedEdge.Aggregation.Validation;
using FedEdge.Core.Aggregation;
using FedEdge.Core.Aggregation.Robust;

namespace FedEdge.Aggregator.Tests.Engine;

/// <summary>The aggregator is robust with nothing configured: a derived norm bound, a sample-count cap.</summary>
public class RobustDefaultsTests
{
    private static IntakeResult Send(EngineHarness h, string device, int id, float[] delta, ulong samples = 10) =>
        h.Engine.Receive(UpdateFactory.Topic(device), UpdateFactory.Bytes(device, id, h.Engine.CurrentVersion, delta, samples));

    [Fact]
    public void With_default_options_the_norm_bound_is_derived_from_the_fleets_DP_and_on()
    {
        var options = new AggregationEngineOptions();
        double expected = 1.0 + (3.0 * (Math.Sqrt(645) + 6.0)); // S + z·S·(√d + t), mlp-14-32-5 has d = 645

        Assert.Equal(expected, options.EffectiveNormBound(645)!.Value, 12);
        Assert.Equal(2 * expected, options.EffectiveMaxUpdateNorm(645), 12);
        var strategy = Assert.IsType<NormBoundingStrategy>(StrategyFactory.Create(options));
        Assert.Equal(expected, strategy.MaxNorm, 12);
    }

    [Fact]
    public void A_fleet_without_a_bound_from_its_DP_mode_falls_back_to_the_configured_or_the_old_limits()
    {
        var options = new AggregationEngineOptions { Privacy = new FleetPrivacyOptions { Mode = FleetDpMode.SampleLevel } };

        Assert.Null(options.EffectiveNormBound(645));
        Assert.Equal(UpdateValidationOptions.FallbackMaxUpdateNorm, options.EffectiveMaxUpdateNorm(645));
        Assert.IsNotType<NormBoundingStrategy>(StrategyFactory.Create(options));
        Assert.Null(new AggregationEngineOptions { NormBound = 0 }.EffectiveNormBound(645));
        Assert.Equal(7.0, new AggregationEngineOptions { NormBound = 7 }.EffectiveNormBound(645));
    }

    [Fact]
    public void An_update_between_the_bound_and_twice_it_is_clipped_to_the_bound_and_one_above_twice_is_refused()
    {
        // logreg-3-2: d = 8, M = 1 + 3·(√8 + 6) ≈ 27.49; K = 1, η = 1, staleness 0: the model moves by the clipped delta
        var options = EngineHarness.Options4x2(StrategyKind.FedBuff, k: 1);
        options.Validation.MaxUpdateNorm = null;
        using var h = new EngineHarness(options);
        double bound = 1.0 + (3.0 * (Math.Sqrt(8) + 6.0));
        var before = h.Engine.Global.Buffer;

        Assert.Equal(IntakeOutcome.Accepted, Send(h, "dev-a", 1, [(float)(1.9 * bound), 0, 0, 0, 0, 0, 0, 0]).Verdict.Kind);
        Assert.Equal(before[0] + bound, h.Engine.Global.Buffer[0], 3);

        Assert.Equal(RejectionReason.NormTooLarge, Send(h, "dev-b", 2, [(float)(2.01 * bound), 0, 0, 0, 0, 0, 0, 0]).Verdict.Reason);
    }

    [Fact]
    public void FedAvg_weighs_a_claim_of_ten_million_samples_as_the_cap()
    {
        // two devices, cap 2000 (default): claims 1000 and 10,000,000 weigh 1000 : 2000, so the step is (Δa + 2·Δb)/3
        var options = EngineHarness.Options4x2(StrategyKind.FedAvg);
        options.ClientsPerRound = 2;
        options.MinClients = 2;
        using var h = new EngineHarness(options);
        h.ObserveStatus("dev-a");
        h.ObserveStatus("dev-b");
        h.Engine.Tick();
        Assert.NotNull(h.Engine.Round);
        var before = h.Engine.Global.Buffer;
        float[] a = [0.3f, 0, 0, 0, 0, 0, 0, 0];
        float[] b = [0, 0.3f, 0, 0, 0, 0, 0, 0];

        Send(h, "dev-a", 1, a, samples: 1000);
        var step = Send(h, "dev-b", 2, b, samples: 10_000_000);

        Assert.NotNull(step.NewModel);
        Assert.Equal(before[0] + 0.1f, h.Engine.Global.Buffer[0], 5);
        Assert.Equal(before[1] + 0.2f, h.Engine.Global.Buffer[1], 5);
    }
}
