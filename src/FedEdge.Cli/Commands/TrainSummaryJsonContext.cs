using System.Text.Json.Serialization;

namespace FedEdge.Cli.Commands;

/// <summary>Source-generated serialisation of <see cref="TrainSummary"/>, in summary.json's conventions (camelCase, indented).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    // A diverged run's NaN loss must still print (as "NaN"), not fail the command after training.
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainSummary))]
internal sealed partial class TrainSummaryJsonContext : JsonSerializerContext;
