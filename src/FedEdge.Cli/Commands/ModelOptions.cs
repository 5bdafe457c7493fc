using System.CommandLine;
using FedEdge.Cli.Conventions;
using FedEdge.Core.Models;
using FedEdge.Onnx.Artifacts;

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

    public static Option<int[]> Hidden() => new Option<int[]>("--hidden")
    {
        Description = $"Hidden layer widths for the MLP (repeat or comma-separate, e.g. --hidden 32 or --hidden 64,32; each 1..{ModelArchitecture.MaxWidth}, at most {ModelArchitecture.MaxHiddenLayers} layers).",
        DefaultValueFactory = _ => [32],
        AllowMultipleArgumentsPerToken = true,
        CustomParser = result => result.Tokens
            .SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(v => int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out int w) ? w : -1)
            .ToArray(),
    }.Must(
        widths => widths.Length is >= 1 and <= ModelArchitecture.MaxHiddenLayers && widths.All(w => w is >= 1 and <= ModelArchitecture.MaxWidth),
        $"1..{ModelArchitecture.MaxHiddenLayers} integer widths in 1..{ModelArchitecture.MaxWidth}");

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

    /// <summary>
    /// Refuses a <c>--trainable</c> that names no tensor set of the model <c>--model</c> and
    /// <c>--hidden</c> describe, before any data is read: tensor names depend only on the layer
    /// count, not on the input and class counts the data decides.
    /// </summary>
    /// <exception cref="UsageException">The selection does not fit the model.</exception>
    public static void CheckTrainable(string kind, int[] hidden, string trainable)
    {
        // Smallest sizes that make a valid model of this shape: only the names matter here.
        var shape = Architecture(kind, 1, hidden, 2, "--hidden");
        try
        {
            TrainableSet.Parse(trainable).Resolve(shape);
        }
        catch (ArgumentException ex)
        {
            string model = shape.Kind == "logreg" ? "logreg" : $"mlp with {shape.Hidden.Count} hidden layer(s)";
            throw new UsageException(
                $"--trainable '{trainable}' does not fit a {model}: use all, last, last-N (N ≤ {shape.LayerCount}) or names among {string.Join(",", shape.Layout.Tensors.Select(t => t.Name))}.", ex);
        }
    }

    /// <summary>The model the options describe.</summary>
    /// <param name="kind">--model.</param>
    /// <param name="inputs">Input features.</param>
    /// <param name="hidden">--hidden.</param>
    /// <param name="classes">Classes.</param>
    /// <param name="flags">The flags that set the sizes, for the message when the model cannot be built.</param>
    /// <exception cref="UsageException">The sizes make no valid model (e.g. a tensor beyond the size bound).</exception>
    public static ModelArchitecture Architecture(string kind, int inputs, int[] hidden, int classes, string flags)
    {
        try
        {
            return kind == "logreg" ? ModelArchitecture.LogisticRegression(inputs, classes) : ModelArchitecture.Mlp(inputs, hidden, classes);
        }
        catch (ArgumentException ex)
        {
            throw UsageException.For(flags, ex);
        }
    }

    public static OptimizerSettings OptimizerSettings(string name) =>
        name == "sgd" ? Onnx.Artifacts.OptimizerSettings.Sgd() : Onnx.Artifacts.OptimizerSettings.Default;
}
