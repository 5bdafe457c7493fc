namespace FedEdge.IntegrationTests.Arm64;

/// <summary>
/// The test classes that use the linux-arm64 publish share one <see cref="Arm64AgentFixture"/>, so the agent is
/// published (and run under qemu) once per test run, not once per class.
/// </summary>
[CollectionDefinition(Name)]
public sealed class Arm64PublishDefinition : ICollectionFixture<Arm64AgentFixture>
{
    public const string Name = "linux-arm64 publish";
}
