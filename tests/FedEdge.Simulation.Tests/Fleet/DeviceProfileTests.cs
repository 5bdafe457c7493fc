using FedEdge.Simulation.Fleet;

namespace FedEdge.Simulation.Tests.Fleet;

public sealed class DeviceProfileTests
{
    private static readonly BoardClass Board = new("pi4", 1, 512 * 1024, 5_000, 2_000_000);
    private static readonly DateTimeOffset Day = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private static DeviceProfile Window(double start, double hours, bool mains = false) => new(0, "d", Board, 1.0, false, mains, start, hours, 0.1);

    [Theory]
    [InlineData(21.5, false)]
    [InlineData(22.0, true)]
    [InlineData(23.9, true)]
    [InlineData(2.0, true)]
    [InlineData(5.99, true)]
    [InlineData(6.0, false)]
    [InlineData(12.0, false)]
    public void A_window_from_22h_for_8h_wraps_over_midnight(double hour, bool inside)
    {
        Assert.Equal(inside, Window(22, 8).InWindow(Day.AddHours(hour)));
    }

    [Fact]
    public void WindowEnd_and_NextWindowStart_are_the_window_edges()
    {
        var profile = Window(22, 8);
        Assert.Equal(Day.AddHours(30), profile.WindowEnd(Day.AddHours(23)));
        Assert.Equal(Day.AddHours(22), profile.NextWindowStart(Day.AddHours(12)));
        Assert.Equal(Day.AddHours(23), profile.NextWindowStart(Day.AddHours(23)));
    }

    [Fact]
    public void A_device_on_mains_is_always_in_its_window()
    {
        var profile = Window(22, 1, mains: true);
        Assert.True(profile.InWindow(Day.AddHours(12)));
        Assert.Equal(DateTimeOffset.MaxValue, profile.WindowEnd(Day));
    }

    [Fact]
    public void Training_and_upload_times_follow_throughput_and_bandwidth()
    {
        var profile = Window(0, 24) with { SpeedFactor = 0.5 };
        Assert.Equal(10_000.0 / (5_000 * 0.5), profile.TrainingSeconds(10_000), 12);
        Assert.Equal(0.1 + (1_000_000.0 / 2_000_000), profile.UploadSeconds(1_000_000), 12);
    }

    [Fact]
    public void The_fleet_has_exactly_the_asked_straggler_count_and_they_are_at_least_ten_times_slower()
    {
        var fleet = FleetBuilder.Build(200, BoardClass.Defaults, 0.9, 0.3, new Random(3));
        Assert.Equal(180, fleet.Count(p => p.Straggler));
        double fastestStraggler = fleet.Where(p => p.Straggler).Max(p => p.SpeedFactor);
        double slowestOther = fleet.Where(p => !p.Straggler).Min(p => p.SpeedFactor);
        // A straggler's factor is a log-normal draw divided by 10–20; compare medians: ≥ 10× apart.
        double medianStraggler = Median(fleet.Where(p => p.Straggler).Select(p => p.SpeedFactor));
        double medianOther = Median(fleet.Where(p => !p.Straggler).Select(p => p.SpeedFactor));
        Assert.True(medianOther / medianStraggler >= 10, $"median ratio {medianOther / medianStraggler}");
        Assert.True(fastestStraggler < slowestOther * 10, "sanity: the spread is as drawn");
    }

    [Fact]
    public void The_same_seed_draws_the_same_fleet()
    {
        Assert.Equal(FleetBuilder.Build(50, BoardClass.Defaults, 0.2, 0.3, new Random(7)), FleetBuilder.Build(50, BoardClass.Defaults, 0.2, 0.3, new Random(7)));
    }

    [Fact]
    public void Board_shares_are_respected_within_sampling_error()
    {
        var fleet = FleetBuilder.Build(4000, BoardClass.Defaults, 0, 0, new Random(11));
        foreach (var board in BoardClass.Defaults)
        {
            double share = fleet.Count(p => p.Board == board) / 4000.0;
            // binomial sd ≤ sqrt(0.25/4000) ≈ 0.0079; allow 4 sd.
            Assert.InRange(share, board.Share - 0.032, board.Share + 0.032);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
