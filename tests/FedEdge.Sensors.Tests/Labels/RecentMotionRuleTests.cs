using FedEdge.Sensors.Labels;

namespace FedEdge.Sensors.Tests.Labels;

public class RecentMotionRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Motion_within_the_lookback_labels_the_window_occupied()
    {
        var rule = new RecentMotionRule(new RecentMotionRuleOptions { Lookback = TimeSpan.FromMinutes(15) });
        rule.Record(T0, 6);
        rule.Record(T0.AddMinutes(5), 0);

        Assert.True(rule.TryGetLabel(T0.AddMinutes(5), T0.AddMinutes(10), out var label));
        Assert.Equal("occupied", label);
    }

    [Fact]
    public void Motion_older_than_the_lookback_labels_the_window_vacant()
    {
        var rule = new RecentMotionRule(new RecentMotionRuleOptions { Lookback = TimeSpan.FromMinutes(15) });
        rule.Record(T0, 6);
        rule.Record(T0.AddMinutes(20), 0);

        Assert.True(rule.TryGetLabel(T0.AddMinutes(20), T0.AddMinutes(25), out var label));
        Assert.Equal("vacant", label);
    }

    [Fact]
    public void No_pir_reads_in_the_lookback_gives_no_label()
    {
        var rule = new RecentMotionRule();
        rule.Record(T0, 6);

        Assert.False(rule.TryGetLabel(T0.AddHours(2), T0.AddHours(2).AddMinutes(5), out _));
    }

    [Fact]
    public void Minimum_active_readings_raises_the_bar_for_occupied()
    {
        var rule = new RecentMotionRule(new RecentMotionRuleOptions { MinimumActiveReadings = 2 });
        rule.Record(T0, 6);
        rule.Record(T0.AddSeconds(10), 0);

        Assert.True(rule.TryGetLabel(T0, T0.AddMinutes(1), out var label));
        Assert.Equal("vacant", label);
    }

    [Fact]
    public void Without_a_vacant_label_a_quiet_window_stays_unlabelled()
    {
        var rule = new RecentMotionRule(new RecentMotionRuleOptions { VacantLabel = null });
        rule.Record(T0, 0);

        Assert.False(rule.TryGetLabel(T0, T0.AddMinutes(1), out _));
    }

    [Fact]
    public void Invalid_options_are_all_reported_in_one_message()
    {
        var options = new RecentMotionRuleOptions
        {
            Lookback = TimeSpan.FromSeconds(5),
            MinimumActiveReadings = 0,
            OccupiedLabel = "same",
            VacantLabel = "same",
        };

        var ex = Assert.Throws<ArgumentException>(() => new RecentMotionRule(options));

        Assert.Contains(nameof(RecentMotionRuleOptions.Lookback), ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(RecentMotionRuleOptions.MinimumActiveReadings), ex.Message, StringComparison.Ordinal);
        Assert.Contains("must differ", ex.Message, StringComparison.Ordinal);
    }
}
