using FedEdge.Sensors.Features;
using FedEdge.Device.Prediction;
using FedEdge.Device.Sampling;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Labels;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Sampling;

public sealed class SamplingLoopTests : IDisposable
{
    private static readonly TimeSpan Read = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero));
    private readonly SampleStore _store;
    private readonly FeedbackLabelInbox _inbox = new();
    private readonly RecentMotionRule _motion = new(new RecentMotionRuleOptions { VacantLabel = "empty" });
    private readonly FakeSensor _climate;
    private readonly FakeSensor _pir;

    public SamplingLoopTests()
    {
        _store = new SampleStore(new SampleStoreOptions
        {
            Path = _dir.File("samples.db"),
            FeatureCount = SmartHomeSchema.FeatureNames.Count,
            ClassCount = SmartHomeSchema.ClassCount,
        });
        _climate = new FakeSensor("bme280", [SensorChannels.TemperatureC, SensorChannels.HumidityPct], _time, t => [21.0 + (t.Second / 60.0), 45.0]);
        _pir = new FakeSensor("pir", [SensorChannels.MotionPerMin], _time, _ => [0.0]);
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private SamplingLoop Loop() => new(
        [_climate, _pir],
        _store,
        [_inbox, _motion],
        _motion,
        new LabelSet(SmartHomeSchema.ClassNames),
        new SamplingOptions { ReadInterval = Read, WindowLength = Window },
        _time,
        NullLogger.Instance);

    private static WindowOutcome RunWindow(FakeTimeProvider time, SamplingLoop loop)
    {
        var outcome = WindowOutcome.Pending;
        for (int i = 0; i < Window / Read; i++)
        {
            time.Advance(Read);
            outcome = loop.Tick();
        }

        return outcome;
    }

    [Fact]
    public void Tick_stores_a_sample_labelled_from_the_feedback_inbox_when_the_window_closes()
    {
        var loop = Loop();
        Assert.True(_inbox.TryPush(new LabelEvent(_time.GetUtcNow(), "Cooking"), out _));

        Assert.Equal(WindowOutcome.Stored, RunWindow(_time, loop));

        var samples = _store.ReadAll();
        Assert.Equal(1, samples.Count);
        Assert.Equal((int)SmartHomeActivity.Cooking, samples.Labels[0]);
        Assert.Equal(45.0f, samples.Row(0)[2]); // humidity mean (feature 2)
    }

    [Fact]
    public void Tick_labels_a_window_without_motion_as_empty_by_the_motion_rule()
    {
        var loop = Loop();

        Assert.Equal(WindowOutcome.Stored, RunWindow(_time, loop));

        Assert.Equal((int)SmartHomeActivity.Empty, _store.ReadAll().Labels[0]);
    }

    [Fact]
    public void Tick_stores_nothing_when_no_source_gives_a_known_class()
    {
        var pir = new FakeSensor("pir", [SensorChannels.MotionPerMin], _time, _ => [4.0]);
        var loop = new SamplingLoop(
            [_climate, pir],
            _store,
            [_inbox, _motion],
            _motion,
            new LabelSet(SmartHomeSchema.ClassNames),
            new SamplingOptions { ReadInterval = Read, WindowLength = Window },
            _time,
            NullLogger.Instance);

        // motion says "occupied", which is no activity class: the window is dropped, not guessed
        Assert.Equal(WindowOutcome.Unlabelled, RunWindow(_time, loop));
        Assert.Equal(0, _store.Count);
        Assert.Equal(1, loop.Unlabelled);
    }

    [Fact]
    public void Tick_keeps_sampling_and_reports_the_sensor_unhealthy_when_its_adapter_throws()
    {
        var loop = Loop();
        _climate.Throws = true;

        var outcomes = new[] { RunWindow(_time, loop), RunWindow(_time, loop) };

        Assert.Equal([WindowOutcome.Stored, WindowOutcome.Stored], outcomes);
        Assert.Equal(SensorHealth.Unhealthy, loop.HealthOf("bme280"));
        Assert.Equal(SensorHealth.Healthy, loop.HealthOf("pir"));
        Assert.Equal(12, _pir.Reads);
        Assert.Equal(12, _climate.Reads); // still asked every tick, so it can recover
        Assert.Equal(2, _store.Count);
    }

    [Fact]
    public void HealthOf_returns_to_healthy_after_a_good_read()
    {
        var loop = Loop();
        _climate.Throws = true;
        RunWindow(_time, loop);
        _climate.Throws = false;

        _time.Advance(Read);
        loop.Tick();

        Assert.Equal(SensorHealth.Healthy, loop.HealthOf("bme280"));
    }

    [Fact]
    public void Tick_imputes_a_dead_sensor_with_the_fleet_centre()
    {
        var loop = Loop();
        _climate.Throws = true;

        RunWindow(_time, loop);

        var row = _store.ReadAll().Row(0);
        Assert.Equal(SmartHomeSchema.Centre[0], row[0]); // temperature mean
        Assert.Equal(SmartHomeSchema.Centre[2], row[2]); // humidity mean
    }

    [Fact]
    public async Task RunAsync_reads_on_the_injected_clock_and_stops_when_cancelled()
    {
        var loop = Loop();
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(stop.Token);
        for (int i = 1; i <= 6; i++)
        {
            // one period at a time: PeriodicTimer coalesces ticks the loop has not consumed yet
            _time.Advance(Read);
            for (int wait = 0; wait < 500 && _climate.Reads < i; wait++)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        }

        await stop.CancelAsync();
        await running;
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public void Feedback_arriving_after_a_window_closed_labels_and_stores_that_window()
    {
        // no motion rule: the closed window stays unlabelled until the user's feedback arrives
        var loop = new SamplingLoop([_climate], _store, [_inbox], null, new LabelSet(SmartHomeSchema.ClassNames), new SamplingOptions { ReadInterval = Read, WindowLength = Window }, _time, NullLogger.Instance)
        {
            LateFeedback = _inbox,
        };
        var windowStart = _time.GetUtcNow();
        Assert.Equal(WindowOutcome.Unlabelled, RunWindow(_time, loop));
        Assert.Equal(0, _store.Count);

        // "I was cooking half a minute into that window", sent a minute and a half later
        _time.Advance(Read);
        Assert.True(_inbox.TryPush(new LabelEvent(windowStart + TimeSpan.FromSeconds(30), "cooking"), out _));
        loop.Tick();

        var samples = _store.ReadAll();
        Assert.Equal(1, samples.Count);
        Assert.Equal((int)SmartHomeActivity.Cooking, samples.Labels[0]);
        Assert.Equal(45.0f, samples.Row(0)[2]); // the closed window's humidity mean, kept in memory
        Assert.Equal(1, loop.LabelledLate);
    }

    [Fact]
    public void Late_feedback_stores_a_kept_window_only_once()
    {
        var loop = new SamplingLoop([_climate], _store, [_inbox], null, new LabelSet(SmartHomeSchema.ClassNames), new SamplingOptions { ReadInterval = Read, WindowLength = Window }, _time, NullLogger.Instance)
        {
            LateFeedback = _inbox,
        };
        var windowStart = _time.GetUtcNow();
        RunWindow(_time, loop);
        Assert.True(_inbox.TryPush(new LabelEvent(windowStart + TimeSpan.FromSeconds(5), "working"), out _));
        loop.Tick();

        // a second label for the same moment: the window is already stored
        Assert.True(_inbox.TryPush(new LabelEvent(windowStart + TimeSpan.FromSeconds(6), "working"), out _));
        loop.Tick();

        Assert.Equal(1, loop.LabelledLate);
    }
}
