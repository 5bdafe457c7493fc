namespace FedEdge.Agent.Tests.Hosting;

/// <summary>One message a client published through <see cref="CapturingBroker"/>.</summary>
public sealed record CapturedMessage(string Topic, string ClientId, byte[] Payload);
