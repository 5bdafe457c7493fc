namespace FedEdge.Device.Eligibility;

/// <summary>Tells whether the device is charging or on mains power.</summary>
public interface IPowerSource
{
    /// <summary>A short name for logs ("sysfs", "ina219", "gpio", "mains").</summary>
    string Name { get; }

    /// <summary>The current state; <see cref="PowerState.Unknown"/> when it cannot be read.</summary>
    PowerState Read();
}
