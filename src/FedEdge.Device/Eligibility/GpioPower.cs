using System.Device.Gpio;

namespace FedEdge.Device.Eligibility;

/// <summary>A charger's "power good" / "charging" output wired to a GPIO pin, read as an input.</summary>
/// <remarks>Ownership: this source owns the <see cref="GpioController"/> it is given and closes the pin and the controller on dispose.</remarks>
public sealed class GpioPower : IPowerSource, IDisposable
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly bool _activeHigh;

    /// <summary>Opens <paramref name="pin"/> as an input on <paramref name="controller"/> (which it takes ownership of).</summary>
    /// <exception cref="InvalidOperationException">The pin does not exist or is in use (from the controller).</exception>
    public GpioPower(GpioController controller, int pin, bool activeHigh)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentOutOfRangeException.ThrowIfNegative(pin);
        _controller = controller;
        _pin = pin;
        _activeHigh = activeHigh;
        _controller.OpenPin(pin, PinMode.Input);
    }

    /// <inheritdoc/>
    public string Name => "gpio";

    /// <inheritdoc/>
    public PowerState Read()
    {
        bool high;
        try
        {
            high = _controller.Read(_pin) == PinValue.High;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            return PowerState.Unknown;
        }

        return high == _activeHigh ? PowerState.Charging : PowerState.OnBattery;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_controller.IsPinOpen(_pin))
        {
            _controller.ClosePin(_pin);
        }

        _controller.Dispose();
    }
}
