using System.Device.Gpio;
using Iot.Device.Hcsr501;

namespace FedEdge.Sensors.Hardware;

/// <summary>
/// HC-SR501 PIR motion over <see cref="Hcsr501"/>: motion events per minute since the previous read
/// (debounced rising edges ÷ elapsed minutes; the simulator's "motion" channel has the same unit)
/// and the debounced output level.
/// </summary>
/// <remarks>
/// <b>Ownership:</b> the <see cref="GpioController"/> is shared by every GPIO adapter and is owned by
/// whoever created it (the agent's composition root). The adapter builds the binding with
/// <c>shouldDispose: false</c> so that disposing it leaves the controller alone, and on Dispose
/// detaches its handler and closes its own pin (the binding does not).
/// </remarks>
public sealed class PirMotionAdapter : SensorAdapter
{
    private static readonly string[] ChannelNames = [SensorChannels.MotionPerMin, SensorChannels.MotionActive];

    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly Hcsr501 _binding;
    private readonly DebouncedInput _input;
    private long _risesAtLastRead;
    private DateTimeOffset _lastRead;

    /// <summary>Opens the pin as an input and starts counting edges.</summary>
    /// <exception cref="InvalidOperationException">The pin is already open or does not exist (from the controller).</exception>
    public PirMotionAdapter(GpioController controller, GpioInputOptions options, TimeProvider timeProvider, SensorAdapterOptions? adapterOptions = null)
        : base(NameFor(options), ChannelNames, timeProvider, adapterOptions)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _controller = controller;
        _pin = options.Pin;
        _binding = new Hcsr501(_pin, controller, shouldDispose: false);
        _input = new DebouncedInput(timeProvider, options.Debounce, _binding.IsMotionDetected);
        _binding.Hcsr501ValueChanged += OnValueChanged;
        _lastRead = timeProvider.GetUtcNow();
    }

    /// <inheritdoc />
    protected override void ReadCore(Span<double> values)
    {
        var (level, rises, _) = _input.Sample();
        var now = TimeProvider.GetUtcNow();
        double minutes = (now - _lastRead).TotalMinutes;
        long events = rises - _risesAtLastRead;
        _risesAtLastRead = rises;
        _lastRead = now;
        values[0] = minutes > 0 ? events / minutes : 0;
        values[1] = level ? 1 : 0;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        _binding.Hcsr501ValueChanged -= OnValueChanged;
        _binding.Dispose();
        if (_controller.IsPinOpen(_pin))
        {
            _controller.ClosePin(_pin);
        }

        base.Dispose(disposing);
    }

    private void OnValueChanged(object sender, Hcsr501ValueChangedEventArgs e) => _input.OnEdge(e.PinValue == PinValue.High);

    private static string NameFor(GpioInputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return FormattableString.Invariant($"pir@gpio{options.Pin}");
    }
}
