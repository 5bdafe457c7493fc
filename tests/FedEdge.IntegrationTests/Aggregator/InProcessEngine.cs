using System.Security.Cryptography;
using FedEdge.Aggregation.Engine;
using FedEdge.Aggregation.Metrics;
using FedEdge.Aggregation.State;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Signing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.IntegrationTests.Aggregator;

/// <summary>The aggregation engine the agent tests talk to: the smart-home MLP, FedBuff K = 3, on the test fleet, initialised.</summary>
internal static class InProcessEngine
{
    public static AggregationEngine Start(AggregatorStateStore store, ECDsa key)
    {
        var engine = new AggregationEngine(
            new AggregationEngineOptions { Fleet = TestClients.Fleet, Architecture = "mlp-14-8-5", BufferSize = 3, Seed = 2 },
            store,
            new ModelSigner(key),
            TimeProvider.System,
            NullLogger.Instance,
            new AggregatorMetrics());
        engine.Initialize();
        return engine;
    }
}
