using FedEdge.Device.Eligibility;

namespace FedEdge.Agent.Tests.Eligibility;

public class EligibilityPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);
    private static readonly EligibilitySignals Good = new(true, PowerState.Charging, 45.0, true, true, true);

    private static EligibilityPolicy Policy() => new(new EligibilityOptions { PowerStableFor = TimeSpan.FromSeconds(30), MaxTemperatureCelsius = 70, TemperatureHysteresisCelsius = 5 });

    [Fact]
    public void All_good_signals_make_the_device_eligible_once_power_has_been_stable()
    {
        var policy = Policy();
        Assert.False(policy.Evaluate(Good, T0).Eligible);
        Assert.True(policy.Evaluate(Good, T0.AddSeconds(30)).Eligible);
    }

    [Fact]
    public void Unplugging_stops_eligibility_at_once_and_restarts_the_power_timer()
    {
        var policy = Policy();
        policy.Evaluate(Good, T0);
        Assert.True(policy.Evaluate(Good, T0.AddSeconds(60)).Eligible);
        var unplugged = policy.Evaluate(Good with { Power = PowerState.OnBattery }, T0.AddSeconds(61));
        Assert.False(unplugged.Eligible);
        Assert.Contains("on battery", unplugged.Blockers);
        Assert.False(policy.Evaluate(Good, T0.AddSeconds(62)).Eligible);
        Assert.True(policy.Evaluate(Good, T0.AddSeconds(92)).Eligible);
    }

    [Fact]
    public void An_overheated_board_resumes_only_after_cooling_by_the_hysteresis_margin()
    {
        var policy = Policy();
        policy.Evaluate(Good, T0);
        Assert.False(policy.Evaluate(Good with { TemperatureCelsius = 71 }, T0.AddSeconds(40)).Eligible);
        Assert.False(policy.Evaluate(Good with { TemperatureCelsius = 68 }, T0.AddSeconds(50)).Eligible);
        Assert.True(policy.Evaluate(Good with { TemperatureCelsius = 65 }, T0.AddSeconds(60)).Eligible);
    }

    [Fact]
    public void A_board_without_thermal_zones_is_not_blocked_by_temperature()
    {
        var policy = Policy();
        policy.Evaluate(Good with { TemperatureCelsius = null }, T0);
        Assert.True(policy.Evaluate(Good with { TemperatureCelsius = null }, T0.AddMinutes(1)).Eligible);
    }

    [Fact]
    public void Every_failing_condition_is_reported_as_a_reason()
    {
        var policy = Policy();
        var decision = policy.Evaluate(new EligibilitySignals(false, PowerState.Unknown, 90, false, false, false), T0);
        Assert.False(decision.Eligible);
        Assert.Equal(6, decision.Blockers.Count);
        Assert.Contains("privacy budget spent", decision.Blockers);
        Assert.Contains("outside the aggregator's check-in window", decision.Blockers);
        Assert.Equal(
            ["not_idle", "power_unknown", "too_hot", "privacy_budget_spent", "no_work", "outside_check_in_window"],
            decision.Codes);
    }

    [Fact]
    public void A_device_on_its_way_to_idle_says_how_far_it_has_come()
    {
        var policy = new EligibilityPolicy(new EligibilityOptions { IdleFor = TimeSpan.FromMinutes(5) });

        var decision = policy.Evaluate(Good with { Idle = false, IdleSoFar = TimeSpan.FromSeconds(150) }, T0);

        Assert.Contains("idle for 2 of 5 min", decision.Blockers);
        Assert.Equal(EligibilityBlockers.NotIdle | EligibilityBlockers.PowerNotStable, decision.Kinds);
    }

    [Fact]
    public void The_figures_in_a_reason_move_on_while_its_kinds_stay_the_same()
    {
        var policy = Policy();

        var first = policy.Evaluate(Good, T0);
        var later = policy.Evaluate(Good, T0.AddSeconds(10));

        Assert.NotEqual(first.ToString(), later.ToString());
        Assert.Equal(first.Kinds, later.Kinds);
    }

    [Fact]
    public void An_eligible_decision_has_no_kinds_and_no_codes()
    {
        var policy = Policy();
        policy.Evaluate(Good, T0);

        var decision = policy.Evaluate(Good, T0.AddMinutes(1));

        Assert.True(decision.Eligible);
        Assert.Equal(EligibilityBlockers.None, decision.Kinds);
        Assert.Empty(decision.Codes);
    }

    [Fact]
    public void Invalid_options_are_reported_together()
    {
        var ex = Assert.Throws<ArgumentException>(() => new EligibilityPolicy(new EligibilityOptions { IdleLoadThreshold = 2, MaxTemperatureCelsius = 500 }));
        Assert.Contains("IdleLoadThreshold", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTemperatureCelsius", ex.Message, StringComparison.Ordinal);
    }
}
