using System.Device.Gpio;
using FedEdge.Sensors.Hardware;
using FedEdge.Sensors.Tests.Hardware.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Sensors.Tests.Hardware;

public sealed class GpioInputAdapterTests : IDisposable
{
    private const int PirPin = 17;
    private const int DoorPin = 27;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeGpioDriver _driver = new();

    [Fact]
    public void Pir_reports_debounced_rising_edges_per_minute()
    {
        using var controller = new GpioController(_driver);
        using var pir = new PirMotionAdapter(controller, new GpioInputOptions { Pin = PirPin }, _clock);

        for (int i = 0; i < 3; i++)
        {
            Pulse(PirPin, TimeSpan.FromSeconds(2));
            _clock.Advance(TimeSpan.FromSeconds(18));
        }

        Assert.True(pir.TryRead(out var reading));

        Assert.Equal(3.0, reading[0], 1e-9);
        Assert.Equal(0.0, reading[1]);
    }

    [Fact]
    public void Pir_glitch_shorter_than_the_debounce_is_not_an_event()
    {
        using var controller = new GpioController(_driver);
        using var pir = new PirMotionAdapter(controller, new GpioInputOptions { Pin = PirPin, Debounce = TimeSpan.FromMilliseconds(50) }, _clock);

        Pulse(PirPin, TimeSpan.FromMilliseconds(10));
        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.True(pir.TryRead(out var reading));
        Assert.Equal(0.0, reading[0]);
    }

    [Fact]
    public void Door_bouncing_on_opening_counts_one_opening()
    {
        using var controller = new GpioController(_driver);
        _driver.SetLevel(DoorPin, PinValue.Low);
        using var door = new DoorContactAdapter(controller, new GpioInputOptions { Pin = DoorPin }, _clock);

        foreach (var level in new[] { PinValue.High, PinValue.Low, PinValue.High, PinValue.Low, PinValue.High })
        {
            _driver.SetLevel(DoorPin, level);
            _clock.Advance(TimeSpan.FromMilliseconds(3));
        }

        _clock.Advance(TimeSpan.FromMilliseconds(60));

        Assert.True(door.TryRead(out var reading));
        Assert.Equal(1.0, reading[0]);
        Assert.Equal(1.0, reading[1]);
    }

    [Fact]
    public void Door_state_is_unchanged_until_the_new_level_has_held_for_the_debounce_time()
    {
        using var controller = new GpioController(_driver);
        _driver.SetLevel(DoorPin, PinValue.Low);
        using var door = new DoorContactAdapter(controller, new GpioInputOptions { Pin = DoorPin }, _clock);

        _driver.SetLevel(DoorPin, PinValue.High);
        _clock.Advance(TimeSpan.FromMilliseconds(20));

        Assert.True(door.TryRead(out var reading));
        Assert.Equal(0.0, reading[0]);
    }

    [Fact]
    public void Disposing_gpio_adapters_closes_their_pins_and_leaves_the_controller_usable()
    {
        using var controller = new GpioController(_driver);
        var pir = new PirMotionAdapter(controller, new GpioInputOptions { Pin = PirPin }, _clock);
        var door = new DoorContactAdapter(controller, new GpioInputOptions { Pin = DoorPin }, _clock);

        pir.Dispose();
        door.Dispose();

        Assert.False(_driver.IsOpen(PirPin));
        Assert.False(_driver.IsOpen(DoorPin));
        Assert.Equal(0, _driver.CallbackCount(PirPin) + _driver.CallbackCount(DoorPin));
        controller.OpenPin(PirPin, PinMode.Input);
    }

    public void Dispose() => _driver.Dispose();

    private void Pulse(int pin, TimeSpan width)
    {
        _driver.SetLevel(pin, PinValue.High);
        _clock.Advance(width);
        _driver.SetLevel(pin, PinValue.Low);
    }
}
