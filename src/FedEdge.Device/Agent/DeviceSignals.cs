using FedEdge.Device.Eligibility;

namespace FedEdge.Device.Agent;

/// <summary>
/// What a driver measured for one tick: the real agent from /proc, sysfs and its sample store, the simulator from a
/// virtual device's profile. The <see cref="DeviceAgent"/> turns them into the eligibility decision.
/// </summary>
/// <param name="Idle">Whether the device has been idle long enough.</param>
/// <param name="Power">Battery, charging or mains.</param>
/// <param name="TemperatureCelsius">The SoC temperature, or null when unknown.</param>
/// <param name="SamplesAvailable">Labelled samples the device could train on now.</param>
/// <param name="IdleSoFar">How long it has been idle (for the "not idle" reason), if known.</param>
public readonly record struct DeviceSignals(bool Idle, PowerState Power, double? TemperatureCelsius, int SamplesAvailable, TimeSpan? IdleSoFar = null);
