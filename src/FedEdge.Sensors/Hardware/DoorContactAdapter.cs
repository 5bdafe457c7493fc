using System.Device.Gpio;

namespace FedEdge.Sensors.Hardware;

/// <summary>
/// A door reed switch on a GPIO input with the internal pull-up: the magnet closes the contact to
/// ground when the door is shut (low = closed, high = open). Reports the debounced state and the
/// openings since the previous read. No binding exists for a bare contact, so this one reads the
/// <see cref="GpioController"/> directly.
/// </summary>
/// <remarks>
/// <b>Ownership:</b> the <see cref="GpioController"/> is shared and owned by its creator; the adapter
/// owns only its pin and its callback, which it unregisters and closes on Dispose.
/// </remarks>
public sealed class DoorContactAdapter : SensorAdapter
{
    private static readonly string[] ChannelNames = [SensorChannels.DoorOpen, SensorChannels.DoorOpenings];

    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly DebouncedInput _input;
    private long _risesAtLastRead;

    /// <summary>Opens the pin as a pulled-up input and starts watching both edges.</summary>
    /// <exception cref="InvalidOperationException">The pin is already open or does not exist (from the controller).</exception>
    public DoorContactAdapter(GpioController controller, GpioInputOptions options, TimeProvider timeProvider, SensorAdapterOptions? adapterOptions = null)
        : base(NameFor(options), ChannelNames, timeProvider, adapterOptions)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _controller = controller;
        _pin = options.Pin;
        _controller.OpenPin(_pin, PinMode.InputPullUp);
        _input = new DebouncedInput(timeProvider, options.Debounce, _controller.Read(_pin) == PinValue.High);
        _controller.RegisterCallbackForPinValueChangedEvent(_pin, PinEventTypes.Rising | PinEventTypes.Falling, OnPinChanged);
    }

    /// <inheritdoc />
    protected override void ReadCore(Span<double> values)
    {
        var (open, rises, _) = _input.Sample();
        values[0] = open ? 1 : 0;
        values[1] = rises - _risesAtLastRead;
        _risesAtLastRead = rises;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_controller.IsPinOpen(_pin))
        {
            _controller.UnregisterCallbackForPinValueChangedEvent(_pin, OnPinChanged);
            _controller.ClosePin(_pin);
        }

        base.Dispose(disposing);
    }

    private void OnPinChanged(object sender, PinValueChangedEventArgs e) =>
        _input.OnEdge(e.ChangeType == PinEventTypes.Rising);

    private static string NameFor(GpioInputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return FormattableString.Invariant($"door@gpio{options.Pin}");
    }
}
