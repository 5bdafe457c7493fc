namespace FedEdge.Benchmarks.Throughput;

/// <summary>
/// One aggregator-intake measurement: messages/s of the bare subscriber, accepted updates/s of the aggregator, what became of
/// the aggregator's messages, and the CPU seconds per message of the measuring process and of mosquitto during each drain.
/// </summary>
internal sealed record ThroughputResult(
    int Count,
    int PayloadBytes,
    double Bare,
    double Aggregator,
    double EngineOnly,
    int Accepted,
    long ModelVersion,
    IReadOnlyDictionary<string, int> Outcomes,
    double BareProcessCpu,
    double BareBrokerCpu,
    double AggregatorProcessCpu,
    double AggregatorBrokerCpu);
