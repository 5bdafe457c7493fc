using FedEdge.Device.Eligibility;

namespace FedEdge.Agent.Tests.Eligibility;

public sealed class SourcesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private void Write(string relative, string text)
    {
        string path = _dir.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Fact]
    public void Proc_stat_parsing_sums_the_aggregate_line_and_counts_idle_plus_iowait()
    {
        // user nice system idle iowait irq softirq steal = 100 5 50 800 20 3 2 0 → total 980, idle 820
        Assert.True(ProcStatCpuTimes.TryParseStat("cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 50 2 25 400 10 1 1 0 0 0\n", out ulong total, out ulong idle));
        Assert.Equal(980UL, total);
        Assert.Equal(820UL, idle);
    }

    [Fact]
    public void Self_stat_parsing_survives_a_process_name_with_spaces_and_parentheses()
    {
        string line = "4242 (fededge (agent) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 123 45 0 0 20 0 8 0 100 1000000 500";
        Assert.True(ProcStatCpuTimes.TryParseSelf(line, out ulong own));
        Assert.Equal(168UL, own);
    }

    [Fact]
    public void The_real_proc_filesystem_is_readable_here()
    {
        var times = new ProcStatCpuTimes().Read();
        Assert.NotNull(times);
        Assert.True(times.Value.Total > times.Value.Idle);
    }

    [Fact]
    public void Idle_requires_low_load_from_other_processes_for_the_whole_minimum_time()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var tracker = new IdleTracker(0.25, TimeSpan.FromMinutes(5));
        Assert.False(tracker.Update(new CpuTimes(1000, 900, 0), t0));
        Assert.False(tracker.Update(new CpuTimes(2000, 1850, 0), t0.AddMinutes(1))); // load 5%: idle since t0+1
        Assert.False(tracker.Update(new CpuTimes(3000, 2800, 0), t0.AddMinutes(3)));
        Assert.True(tracker.Update(new CpuTimes(4000, 3750, 0), t0.AddMinutes(6)));
        Assert.False(tracker.Update(new CpuTimes(5000, 4250, 0), t0.AddMinutes(7))); // load 50%: busy
        Assert.Equal(0.5, tracker.LastLoad!.Value, 12);
    }

    [Fact]
    public void The_agents_own_training_does_not_count_against_idleness()
    {
        // 1000 ticks, 400 idle → busy 600, of which 550 are ours → others 5%
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var tracker = new IdleTracker(0.25, TimeSpan.Zero);
        tracker.Update(new CpuTimes(1000, 500, 100), t0);
        Assert.True(tracker.Update(new CpuTimes(2000, 900, 650), t0.AddMinutes(1)));
        Assert.Equal(0.05, tracker.LastLoad!.Value, 12);
    }

    [Fact]
    public void An_unreadable_cpu_source_is_never_idle()
    {
        var tracker = new IdleTracker(0.25, TimeSpan.Zero);
        Assert.False(tracker.Update(null, DateTimeOffset.UnixEpoch));
    }

    [Theory]
    [InlineData("Mains", "1", null, PowerState.Mains)]
    [InlineData("Mains", "0", "Discharging", PowerState.OnBattery)]
    [InlineData("USB", "1", "Charging", PowerState.Charging)]
    [InlineData("Mains", "1", "Full", PowerState.Charging)]
    [InlineData("Mains", "0", null, PowerState.Unknown)]
    public void Sysfs_power_supplies_are_read_like_the_kernel_documents_them(string type, string online, string? batteryStatus, PowerState expected)
    {
        Write("ps/ac/type", type + "\n");
        Write("ps/ac/online", online + "\n");
        if (batteryStatus is not null)
        {
            Write("ps/battery/type", "Battery\n");
            Write("ps/battery/status", batteryStatus + "\n");
        }

        Assert.Equal(expected, new SysfsPowerSupply(_dir.File("ps")).Read());
    }

    [Fact]
    public void A_missing_power_supply_tree_is_unknown_not_an_error()
    {
        Assert.Equal(PowerState.Unknown, new SysfsPowerSupply(_dir.File("nothing")).Read());
    }

    [Fact]
    public void The_hottest_thermal_zone_wins_and_garbage_is_ignored()
    {
        Write("thermal/thermal_zone0/temp", "48312\n");
        Write("thermal/thermal_zone1/temp", "61000\n");
        Write("thermal/thermal_zone2/temp", "not a number\n");
        Write("thermal/cooling_device0/temp", "99000\n");
        Assert.Equal(61.0, new SysfsThermal(_dir.File("thermal")).ReadCelsius());
        Assert.Null(new SysfsThermal(_dir.File("absent")).ReadCelsius());
    }

    public void Dispose() => _dir.Dispose();
}
