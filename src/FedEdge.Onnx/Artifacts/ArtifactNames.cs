namespace FedEdge.Onnx.Artifacts;

/// <summary>File names and graph value names shared by the generator and the trainer.</summary>
public static class ArtifactNames
{
    /// <summary>Forward, loss and backward graph.</summary>
    public const string TrainingModel = "training_model.onnx";

    /// <summary>Forward, loss and predictions graph.</summary>
    public const string EvalModel = "eval_model.onnx";

    /// <summary>Optimizer step graph.</summary>
    public const string OptimizerModel = "optimizer_model.onnx";

    /// <summary>Parameters, optimizer state and metadata (docs/checkpoint-format.md).</summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>Inference-only export with the weights as initializers.</summary>
    public const string InferenceModel = "model.onnx";

    /// <summary>Input batch, float32 [batch, inputs].</summary>
    public const string Features = "features";

    /// <summary>Class labels, int64 [batch].</summary>
    public const string Labels = "labels";

    /// <summary>Mean softmax cross-entropy over the batch, float32 scalar.</summary>
    public const string Loss = "loss";

    /// <summary>Arg-max class per row, int64 [batch] (eval and inference graphs).</summary>
    public const string Predictions = "predictions";

    /// <summary>Class probabilities, float32 [batch, classes] (inference graph).</summary>
    public const string Probabilities = "probabilities";

    /// <summary>DP-SGD per-example clipping bound C, float32 scalar (DP training graph input).</summary>
    public const string ClipNorm = "clip_norm";

    /// <summary>Unclipped per-example gradient L2 norms, float32 [batch] (DP training graph output).</summary>
    public const string PerExampleNorms = "per_example_norms";

    /// <summary>Ditto's proximal weight λ, float32 scalar (proximal training graph input).</summary>
    public const string ProximalLambda = "proximal_lambda";

    /// <summary>Learning rate, float32 scalar (optimizer graph).</summary>
    public const string LearningRate = "learning_rate";

    /// <summary>1-based step count for bias correction, float32 scalar (optimizer graph).</summary>
    public const string Step = "step";

    /// <summary>The gradient output for parameter <paramref name="parameter"/>.</summary>
    public static string Gradient(string parameter) => "grad." + parameter;

    /// <summary>The frozen anchor input (the global weights) for trainable parameter <paramref name="parameter"/> in the proximal training graph.</summary>
    public static string Anchor(string parameter) => parameter + ".anchor";

    /// <summary>An optimizer state tensor name.</summary>
    public static string State(string prefix, string parameter) => prefix + "." + parameter;

    /// <summary>The optimizer graph's output for an updated value.</summary>
    public static string Updated(string name) => "updated." + name;
}
