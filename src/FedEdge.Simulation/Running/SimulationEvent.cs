namespace FedEdge.Simulation.Running;

/// <summary>What happens at a point of simulated time.</summary>
internal enum SimulationEventKind
{
    /// <summary>A device checks in: reads model and pace, flushes its outbox, maybe starts training.</summary>
    CheckIn,

    /// <summary>A device's local training ends (or is cut short by unplugging).</summary>
    TrainingDone,

    /// <summary>A finished update reaches the broker.</summary>
    Upload,

    /// <summary>The aggregator's periodic tick (FedAvg round deadlines).</summary>
    Tick,

    /// <summary>A device's idle-and-charging window opens or closes: it publishes its status.</summary>
    WindowChange,

    /// <summary>--dp distributed: secure-aggregation messages reach a device's inbox (one network latency after the aggregator published them).</summary>
    SecAggDelivery,

    /// <summary>With DP: the fleet's ε is sampled for the privacy timeline.</summary>
    PrivacySample,
}

/// <summary>An event for one device (or the aggregator, device −1).</summary>
/// <param name="Kind">What happens.</param>
/// <param name="Device">The device's index, −1 for the aggregator.</param>
/// <param name="Value">TrainingDone: local steps allowed before unplugging; CheckIn: the device's check-in generation (an older one is stale).</param>
internal readonly record struct SimulationEvent(SimulationEventKind Kind, int Device, long Value);
