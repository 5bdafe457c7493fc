using System.Device.Gpio;

namespace FedEdge.Sensors.Tests.Hardware.Fakes;

/// <summary>
/// A GPIO driver whose input levels the test sets; setting a level raises the pin-change callbacks
/// registered for that edge, synchronously, as the real drivers do from their event thread.
/// </summary>
internal sealed class FakeGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly List<(int Pin, PinEventTypes Types, PinChangeEventHandler Callback)> _callbacks = [];

    public int CallbackCount(int pin) => _callbacks.Count(c => c.Pin == pin);

    public bool IsOpen(int pin) => _modes.ContainsKey(pin);

    public void SetLevel(int pin, PinValue level)
    {
        var previous = _levels.GetValueOrDefault(pin, PinValue.Low);
        _levels[pin] = level;
        if (previous == level)
        {
            return;
        }

        var edge = level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        foreach (var (p, types, callback) in _callbacks.ToArray())
        {
            if (p == pin && (types & edge) != 0)
            {
                callback(this, new PinValueChangedEventArgs(edge, pin));
            }
        }
    }

    protected override int PinCount => 28;

    protected override void OpenPin(int pinNumber) => _modes[pinNumber] = PinMode.Input;

    protected override void ClosePin(int pinNumber)
    {
        _modes.Remove(pinNumber);
        _callbacks.RemoveAll(c => c.Pin == pinNumber);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        _modes[pinNumber] = mode;
        if (mode == PinMode.InputPullUp && !_levels.ContainsKey(pinNumber))
        {
            _levels[pinNumber] = PinValue.High;
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => _modes[pinNumber];

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => _levels.GetValueOrDefault(pinNumber, PinValue.Low);

    protected override void Write(int pinNumber, PinValue value) => _levels[pinNumber] = value;

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The fake raises callbacks only.");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        _callbacks.Add((pinNumber, eventTypes, callback));

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        _callbacks.RemoveAll(c => c.Pin == pinNumber && c.Callback == callback);
}
