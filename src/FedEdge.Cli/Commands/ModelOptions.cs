using System.CommandLine;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;

namespace FedEdge.Cli.Commands;

/// <summary>Options shared by the commands that build a model.</summary>
internal static class ModelOptions
{
    public static Option<string> Kind()
    {
        var option = new Option<string>("--model") { Description = "Model kind: mlp or logreg.", DefaultValueFactory = _ => "mlp" };
        option.AcceptOnlyFromAmong("mlp", "logreg");
        return option;
    }

    public static Option<int[]> Hidden() => new("--hidden")
    {
        Description = "Hidden layer widths for the MLP (repeat or comma-separate, e.g. --hidden 32 or --hidden 64,32).",
        DefaultValueFactory = _ => [32],
        AllowMultipleArgumentsPerToken = true,
        CustomParser = result => result.Tokens
            .SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(v => int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out int w) ? w : -1)
            .ToArray(),
    };

    public static Option<string> Trainable() => new("--trainable")
    {
        Description = "Trainable tensors: all, last, last-N, or comma-separated tensor names (e.g. dense1.weight,dense1.bias).",
        DefaultValueFactory = _ => "all",
    };

    public static Option<string> Optimizer()
    {
        var option = new Option<string>("--optimizer") { Description = "Optimizer: adamw or sgd (momentum 0.9).", DefaultValueFactory = _ => "adamw" };
        option.AcceptOnlyFromAmong("adamw", "sgd");
        return option;
    }

    public static ModelArchitecture Architecture(string kind, int inputs, int[] hidden, int classes)
    {
        if (hidden.Any(h => h < 1))
        {
            throw new ArgumentException("--hidden: every width must be a positive integer.");
        }

        return kind == "logreg" ? ModelArchitecture.LogisticRegression(inputs, classes) : ModelArchitecture.Mlp(inputs, hidden, classes);
    }

    public static OptimizerSettings OptimizerSettings(string name) =>
        name == "sgd" ? Onnx.Artifacts.OptimizerSettings.Sgd() : Onnx.Artifacts.OptimizerSettings.Default;
}
