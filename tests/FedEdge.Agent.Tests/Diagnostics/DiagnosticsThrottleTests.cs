using FedEdge.Device.Diagnostics;

namespace FedEdge.Agent.Tests.Diagnostics;

public sealed class DiagnosticsThrottleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private static DiagnosticsThrottle Emitted(DeviceDiagnostics first)
    {
        var throttle = new DiagnosticsThrottle(Interval);
        Assert.True(throttle.IsDue(first, T0));
        throttle.Emitted(first, T0);
        return throttle;
    }

    [Fact]
    public void A_state_change_is_due_at_once()
    {
        var first = DeviceDiagnosticsJsonTests.Sample();
        var throttle = Emitted(first);

        Assert.True(throttle.IsDue(first with { State = "thermal_wait" }, T0.AddSeconds(1)));
        Assert.True(throttle.IsDue(first with { Blockers = ["on_battery"] }, T0.AddSeconds(1)));
        Assert.True(throttle.IsDue(first with { LastContribution = T0 }, T0.AddSeconds(1)));
        Assert.True(throttle.IsDue(first with { ModelVersion = 4 }, T0.AddSeconds(1)));
    }

    [Fact]
    public void Drifting_figures_wait_for_the_interval()
    {
        var first = DeviceDiagnosticsJsonTests.Sample();
        var throttle = Emitted(first);
        var drifted = first with { Reason = "on battery; idle for 3 of 5 min", OutboxDepth = 0, Updated = T0.AddMinutes(1) };

        Assert.False(throttle.IsDue(drifted, T0.AddMinutes(1)));
        Assert.True(throttle.IsDue(drifted, T0 + Interval));
    }

    [Fact]
    public void Nothing_is_due_when_nothing_but_the_time_changed()
    {
        var first = DeviceDiagnosticsJsonTests.Sample();
        var throttle = Emitted(first);

        Assert.False(throttle.IsDue(first with { Updated = T0.AddHours(1) }, T0.AddHours(1)));
    }
}
