using FedEdge.Simulation.Clock;

namespace FedEdge.Simulation.Tests.Clock;

public sealed class VirtualClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Time_stands_still_until_advanced()
    {
        var clock = new VirtualClock(T0);
        Assert.Equal(T0, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(T0.AddHours(3), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromHours(3), clock.Elapsed);
    }

    [Fact]
    public void AdvanceTo_refuses_to_go_back()
    {
        var clock = new VirtualClock(T0);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.AdvanceTo(T0));
    }

    [Fact]
    public void Timers_fire_in_due_order_at_their_due_time_while_advancing()
    {
        var clock = new VirtualClock(T0);
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var late = clock.CreateTimer(_ => fired.Add(("late", clock.GetUtcNow())), null, TimeSpan.FromMinutes(30), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add(("early", clock.GetUtcNow())), null, TimeSpan.FromMinutes(10), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal([("early", T0.AddMinutes(10)), ("late", T0.AddMinutes(30))], fired);
        Assert.Equal(T0.AddHours(1), clock.GetUtcNow());
    }

    [Fact]
    public void A_periodic_timer_fires_once_per_period_and_stops_when_disposed()
    {
        var clock = new VirtualClock(T0);
        int count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        clock.Advance(TimeSpan.FromMinutes(5.5));
        Assert.Equal(5, count);
        timer.Dispose();
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(5, count);
    }

    [Fact]
    public async Task Task_Delay_on_the_clock_completes_only_when_time_passes()
    {
        var clock = new VirtualClock(T0);
        var delay = Task.Delay(TimeSpan.FromSeconds(30), clock, TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(delay.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(delay.IsCompletedSuccessfully);
    }
}
