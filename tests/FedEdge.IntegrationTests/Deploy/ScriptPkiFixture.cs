namespace FedEdge.IntegrationTests.Deploy;

/// <summary>One script-made PKI and one mosquitto using it, shared by the tests of <see cref="PkiScriptTests"/>.</summary>
public sealed class ScriptPkiFixture : IAsyncLifetime
{
    public ScriptPki Pki { get; private set; } = null!;

    public DeployedBroker Broker { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Pki = await ScriptPki.CreateAsync();
        Broker = await DeployedBroker.StartAsync(Pki.BrokerDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }

        Pki?.Dispose();
    }
}
