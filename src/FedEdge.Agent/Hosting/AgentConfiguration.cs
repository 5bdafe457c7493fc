using FedEdge.Device.Configuration;
using FedEdge.Hosting.Configuration;

namespace FedEdge.Agent.Hosting;

/// <summary>Where the agent reads its settings: the service, <c>--check-config</c>, <c>--self-test</c> and <c>status</c> alike.</summary>
public static class AgentConfiguration
{
    /// <summary>appsettings.json beside the executable, /etc/fededge/agent.json, --config FILE, FEDEDGE_Agent__*, the command line.</summary>
    public static ServiceConfigurationSources Sources { get; } = new()
    {
        ServiceName = "fededge-agent",
        SectionName = "Agent",
        SystemFile = "/etc/fededge/agent.json",
    };
}
