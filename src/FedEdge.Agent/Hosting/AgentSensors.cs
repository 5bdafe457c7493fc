using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Sampling;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// What a real device measures for <see cref="DeviceAgent"/>'s ticks: CPU load (/proc), power, SoC temperature (sysfs)
/// and the samples it has. The parts come from DI; this only reads them.
/// </summary>
public sealed class AgentSensors(IOptions<AgentOptions> options, IPowerSource power, ICpuTimesSource cpu, SysfsThermal thermal, ILocalSamples samples)
{
    private readonly IdleTracker _idle = new(options.Value.Eligibility.IdleLoadThreshold, options.Value.Eligibility.IdleFor);

    /// <summary>The power source (also reported in the status).</summary>
    public IPowerSource Power => power;

    /// <summary>The samples the device trains on.</summary>
    public ILocalSamples Samples => samples;

    /// <summary>Reads every signal once.</summary>
    public DeviceSignals Read(DateTimeOffset now)
    {
        bool idle = _idle.Update(cpu.Read(), now);
        return new DeviceSignals(idle, power.Read(), thermal.ReadCelsius(), samples.Count, _idle.IdleSoFar(now));
    }
}
