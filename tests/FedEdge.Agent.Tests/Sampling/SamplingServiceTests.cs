using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Sampling;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Sampling;

public sealed class SamplingServiceTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_service_stores_windows_labelled_from_the_feedback_file_and_publishes_the_newest_window()
    {
        var ct = TestContext.Current.CancellationToken;
        string feed = _dir.WriteText("labels.jsonl", $$"""{"time":"{{_time.GetUtcNow():O}}","label":"working"}""" + "\n");
        var options = new AgentOptions
        {
            DeviceId = "dev-1",
            StateDirectory = _dir.Path,
            Sampling = new() { ReadInterval = TimeSpan.FromSeconds(10), WindowLength = TimeSpan.FromMinutes(1), LabelFeedPath = feed },
        };
        using var store = new SampleStore(new SampleStoreOptions
        {
            Path = _dir.File("samples.db"),
            FeatureCount = SmartHomeSchema.FeatureNames.Count,
            ClassCount = SmartHomeSchema.ClassCount,
        });
        var sensor = new FakeSensor("bme280", [SensorChannels.TemperatureC, SensorChannels.HumidityPct], _time, _ => [22.0, 40.0]);
        var latest = new LatestFeatures();
        using var service = new SamplingService(Options.Create(options), _time, NullLoggerFactory.Instance, store, [sensor], latest);

        await service.StartAsync(ct);
        for (int i = 1; i <= 6; i++)
        {
            // one period at a time: PeriodicTimer coalesces ticks the service has not consumed yet
            _time.Advance(options.Sampling.ReadInterval);
            for (int wait = 0; wait < 500 && sensor.Reads < i; wait++)
            {
                await Task.Delay(10, ct);
            }
        }

        for (int wait = 0; wait < 500 && store.Count == 0; wait++)
        {
            await Task.Delay(10, ct);
        }

        await service.StopAsync(CancellationToken.None);
        Assert.Equal(6, sensor.Reads);
        Assert.Equal(1, store.Count);
        Assert.Equal((int)SmartHomeActivity.Working, store.ReadAll().Labels[0]);
        Assert.True(latest.TryGet(out float[] features, out var windowEnd));
        Assert.Equal(22.0f, features[0]);
        Assert.Equal(_time.GetUtcNow(), windowEnd);
    }
}
