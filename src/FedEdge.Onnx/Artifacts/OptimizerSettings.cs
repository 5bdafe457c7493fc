using System.Globalization;

namespace FedEdge.Onnx.Artifacts;

/// <summary>
/// Optimizer hyper-parameters baked into <c>optimizer_model.onnx</c>. The learning rate and the
/// step count are graph inputs, so schedules need no new artifacts.
/// </summary>
public sealed record OptimizerSettings
{
    /// <summary>Default: AdamW with PyTorch's defaults (β=(0.9, 0.999), ε=1e-8, weight decay 0.01).</summary>
    public static OptimizerSettings Default { get; } = new();

    /// <summary>The update rule.</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.AdamW;

    /// <summary>SGD momentum μ.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>AdamW β1.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>AdamW β2.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>AdamW ε.</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>Weight decay (coupled L2 for SGD, decoupled for AdamW).</summary>
    public float WeightDecay { get; init; } = 0.01f;

    /// <summary>SGD's velocity state prefix (<c>momentum.&lt;tensor&gt;</c>); also the flat state input of its optimizer graph.</summary>
    public const string MomentumPrefix = "momentum";

    /// <summary>AdamW's first-moment state prefix.</summary>
    public const string AdamFirstMomentPrefix = "adam_m";

    /// <summary>AdamW's second-moment state prefix.</summary>
    public const string AdamSecondMomentPrefix = "adam_v";

    /// <summary>The names of the optimizer state tensors kept per trainable parameter.</summary>
    public IReadOnlyList<string> StatePrefixes => Kind == OptimizerKind.SgdMomentum ? [MomentumPrefix] : [AdamFirstMomentPrefix, AdamSecondMomentPrefix];

    /// <summary>SGD with momentum and no weight decay.</summary>
    public static OptimizerSettings Sgd(float momentum = 0.9f, float weightDecay = 0f) =>
        new() { Kind = OptimizerKind.SgdMomentum, Momentum = momentum, WeightDecay = weightDecay };

    /// <summary>Throws if a value is outside its meaningful range.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!(Momentum >= 0 && Momentum < 1))
        {
            errors.Add($"Momentum {Momentum.ToString(CultureInfo.InvariantCulture)} is not in [0, 1)");
        }

        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
        {
            errors.Add("Beta1 and Beta2 must be in [0, 1)");
        }

        if (!(Epsilon > 0) || !float.IsFinite(Epsilon))
        {
            errors.Add("Epsilon must be positive");
        }

        if (!(WeightDecay >= 0) || !float.IsFinite(WeightDecay))
        {
            errors.Add("WeightDecay must be non-negative");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid optimizer settings: " + string.Join("; ", errors) + ".");
        }
    }
}
