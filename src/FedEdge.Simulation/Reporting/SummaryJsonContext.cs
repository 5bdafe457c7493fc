using System.Text.Json.Serialization;

namespace FedEdge.Simulation.Reporting;

/// <summary>Source-generated (reflection-free, trimming-safe) serialisation of summary.json.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    // A NaN or ∞ that slipped into a run (a diverged model) must still serialise, and read back as itself.
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SimulationSummary))]
internal sealed partial class SummaryJsonContext : JsonSerializerContext;
