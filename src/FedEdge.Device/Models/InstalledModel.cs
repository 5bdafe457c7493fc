using System.Diagnostics.CodeAnalysis;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Protocol.Wire;

namespace FedEdge.Device.Models;

/// <summary>
/// A verified global model as the device uses it: parsed architecture, decoded parameters and this device's trainable
/// subset, decoded once when it is installed and then shared — read-only — by contribution, prediction and
/// personalization (none of them decodes the wire message again, and none reads it back from disk).
/// </summary>
public sealed class InstalledModel
{
    private InstalledModel(GlobalModel message, ModelArchitecture architecture, ParameterSet parameters, ParameterSubset? subset)
    {
        Message = message;
        Architecture = architecture;
        Parameters = parameters;
        Subset = subset;
    }

    /// <summary>The signed wire message as received (what the device stores and what its updates refer to).</summary>
    public GlobalModel Message { get; }

    /// <summary>The global model's version.</summary>
    public ulong Version => Message.Version;

    /// <summary>The parsed architecture.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>The decoded global parameters. Shared: callers copy before they change anything.</summary>
    public ParameterSet Parameters { get; }

    /// <summary>The coordinates this device trains (FTTE), or null for all of them.</summary>
    public ParameterSubset? Subset { get; }

    /// <summary>
    /// Parses and decodes <paramref name="model"/> for a device of <paramref name="memoryClass"/> without a memory limit (the
    /// subset assigned to that class, else the one for "all"). Decoding is deterministic and draws no randomness.
    /// </summary>
    public static bool TryDecode(GlobalModel model, string memoryClass, [NotNullWhen(true)] out InstalledModel? installed, out string problem) =>
        TryDecode(model, memoryClass, long.MaxValue, out installed, out problem);

    /// <summary>
    /// Parses and decodes <paramref name="model"/> for a device of <paramref name="memoryClass"/> (the subset assigned to
    /// that class, else the one for "all"). A class told to train every parameter while this device's
    /// <paramref name="memoryBudgetBytes"/> cannot hold that (<see cref="FedEdge.Core.Aggregation.Ftte.TrainingMemoryModel.Default"/>;
    /// the aggregator decides per class from the budgets it has seen, and this device may have joined since) trains the
    /// "all" subset instead, which the aggregator also accepts. Decoding is deterministic and draws no randomness.
    /// </summary>
    public static bool TryDecode(GlobalModel model, string memoryClass, long memoryBudgetBytes, [NotNullWhen(true)] out InstalledModel? installed, out string problem)
    {
        ArgumentNullException.ThrowIfNull(model);
        installed = null;
        ModelArchitecture architecture;
        try
        {
            architecture = ModelArchitecture.Parse(model.Architecture);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            problem = $"architecture '{model.Architecture}' does not parse: {ex.Message}";
            return false;
        }

        var parameters = new ParameterSet(architecture.Layout);
        var decoded = UpdateCodecs.ForDecoding().TryDecode(model.Parameters.Span, architecture.Layout, parameters.AsSpan());
        if (!decoded.Succeeded)
        {
            problem = $"global parameters do not decode: {decoded.Message}";
            return false;
        }

        ParameterSubset? subset = null;
        var fleet = model.Subsets.FirstOrDefault(s => s.MemoryClass == "all");
        var assignment = model.Subsets.FirstOrDefault(s => s.MemoryClass == memoryClass) ?? fleet;
        if (assignment is not null && fleet is not null && SubsetIndexCoding.IsAll(assignment) && !SubsetIndexCoding.IsAll(fleet)
            && !FedEdge.Core.Aggregation.Ftte.TrainingMemoryModel.Default.HoldsWholeModel(architecture.Layout, memoryBudgetBytes))
        {
            assignment = fleet;
        }

        if (assignment is not null && !SubsetIndexCoding.IsAll(assignment)
            && !SubsetIndexCoding.TryToSubset(assignment, architecture.Layout.TotalLength, out subset, out string? error))
        {
            problem = $"subset for '{assignment.MemoryClass}' is invalid: {error}";
            return false;
        }

        installed = new InstalledModel(model, architecture, parameters, subset);
        problem = string.Empty;
        return true;
    }
}
