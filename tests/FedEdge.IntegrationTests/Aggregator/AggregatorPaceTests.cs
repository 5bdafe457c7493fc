using FedEdge.Aggregation.Engine;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;

namespace FedEdge.IntegrationTests.Aggregator;

/// <summary>
/// The real fededge-aggregator process over mosquitto: the retained pace must follow every change devices act on,
/// not only a new model version or a new number of updates wanted.
/// </summary>
public sealed class AggregatorPaceTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task A_FedAvg_round_abandoned_at_its_deadline_and_reopened_at_the_same_size_is_announced_again()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new AggregationEngineOptions
        {
            Fleet = TestClients.Fleet,
            Architecture = "mlp-6-8-3",
            Strategy = StrategyKind.FedAvg,
            ClientsPerRound = 2,
            MinClients = 2,
            RoundDuration = TimeSpan.FromSeconds(1),
            Seed = 5,
        };
        string keyPath = Path.Combine(_broker.Directory, "signing.key");
        using var key = AggregatorProcess.WriteSigningKey(keyPath);
        await using var aggregator = AggregatorProcess.Start(_broker, options, Path.Combine(_broker.Directory, "state.db"), keyPath);
        await using var a = await FleetDevice.ConnectAsync(_broker, "device-a", 1, PinnedModelKey.FromKey(key));
        await using var b = await FleetDevice.ConnectAsync(_broker, "device-b", 2, PinnedModelKey.FromKey(key));
        await a.PublishStatusAsync(ct);
        await b.PublishStatusAsync(ct);

        // nobody sends an update: round 1 falls below MinClients at its deadline and a new round opens for the same
        // two devices on the same model, so version and updates wanted are unchanged and only the round differs
        var first = await a.PaceAsync(p => p.Round > 0);
        var reopened = await a.PaceAsync(p => p.Round > first.Round, seconds: 20);

        Assert.Equal(first.ModelVersion, reopened.ModelVersion);
        Assert.Equal(first.UpdatesWanted, reopened.UpdatesWanted);
        Assert.Equal(2, reopened.Cohort.Count);
    }
}
