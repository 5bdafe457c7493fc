namespace FedEdge.Core.Aggregation;

/// <summary>One device as a strategy plans with it.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="MemoryBudgetBytes">The training memory it reported.</param>
/// <param name="Available">Whether it can train now (not waiting for power, cooling down or out of budget).</param>
public readonly record struct DeviceSlot(string DeviceId, long MemoryBudgetBytes, bool Available);
