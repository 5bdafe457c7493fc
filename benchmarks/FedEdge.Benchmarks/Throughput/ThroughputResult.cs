namespace FedEdge.Benchmarks.Throughput;

/// <summary>One aggregator-intake measurement: messages/s of the bare subscriber, accepted updates/s of the aggregator.</summary>
internal sealed record ThroughputResult(int Count, int PayloadBytes, double Bare, double Aggregator, double EngineOnly, int Accepted, long ModelVersion);
