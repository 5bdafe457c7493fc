namespace FedEdge.Agent.Tests.Hosting;

/// <summary>Stands for the process dying at the step where it is thrown.</summary>
internal sealed class SimulatedKillException : Exception
{
    public SimulatedKillException()
        : base("killed")
    {
    }

    public SimulatedKillException(string message)
        : base(message)
    {
    }

    public SimulatedKillException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
