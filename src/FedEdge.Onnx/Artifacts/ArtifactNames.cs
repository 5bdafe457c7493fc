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

    /// <summary>
    /// DP-SGD's second graph: the sums Σᵢ hₗ₋₁,ᵢ ⊗ G̃ₗ,ᵢ and Σᵢ G̃ₗ,ᵢ of the per-example gradients whose rows
    /// the runner has already scaled by their clip factors (only in a per-example artifact set).
    /// </summary>
    public const string ClippedSumModel = "clipped_sum_model.onnx";

    /// <summary>Artifact format and training-graph kind (<see cref="ArtifactManifest"/>), written last.</summary>
    public const string Manifest = "artifacts.json";

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

    /// <summary>Ditto's proximal weight λ, float32 scalar (proximal training graph input).</summary>
    public const string ProximalLambda = "proximal_lambda";

    /// <summary>
    /// 1/N for a batch of N rows, float32 scalar (plain and proximal training graphs): the runner knows N
    /// when it binds a batch, so the graph needs no Shape → Cast → Div to form the mean gradient.
    /// </summary>
    public const string InverseBatchSize = "inverse_batch_size";

    /// <summary>
    /// N ones, float32 [batch] (plain and proximal training graphs): the row weights of the bias
    /// gradients Σᵢ Gₗ,ᵢ, computed as one [N]·[N, out] MatMul.
    /// </summary>
    public const string BatchOnes = "batch_ones";

    /// <summary>
    /// The batch's labels one-hot, float32 [batch, classes] (DP-SGD's per-example graph input): the runner writes them
    /// while staging the batch, so the graph needs no OneHot node and no labels.
    /// </summary>
    public const string OneHotLabels = "onehot_labels";

    /// <summary>
    /// log softmax of the logits, float32 [batch, classes] (DP-SGD's per-example graph output): the runner forms the
    /// mean loss −(1/N)·Σᵢ log pᵢ,yᵢ from it, so the graph has no loss nodes.
    /// </summary>
    public const string LogProbabilities = "log_probabilities";

    /// <summary>
    /// The mean gradient at an FTTE subset's coordinates, float32 [|S|] in the subset's sorted flat order: the one
    /// gradient output of a subset training graph (<see cref="ArtifactManifest.SubsetGraph"/>).
    /// </summary>
    public const string SubsetGradients = "grad.subset";

    /// <summary>Learning rate η, float32 scalar (SGD optimizer graph).</summary>
    public const string LearningRate = "learning_rate";

    /// <summary>AdamW's bias-corrected step size η·√(1−β₂ᵗ)/(1−β₁ᵗ), float32 scalar (optimizer graph).</summary>
    public const string StepSize = "step_size";

    /// <summary>AdamW's ε·√(1−β₂ᵗ), float32 scalar (optimizer graph).</summary>
    public const string EpsilonHat = "epsilon_hat";

    /// <summary>Decoupled weight-decay factor 1 − ηλ, float32 scalar (AdamW optimizer graph with λ &gt; 0).</summary>
    public const string Decay = "decay";

    /// <summary>The trainable parameters as one flat vector in trainable order, float32 [P] (optimizer graph).</summary>
    public const string Parameters = "parameters";

    /// <summary>The gradients of the trainable parameters as one flat vector, float32 [P] (optimizer graph).</summary>
    public const string Gradients = "gradients";

    /// <summary>
    /// Per-example deltas Gₗ = ∂ℓᵢ/∂zₗ,ᵢ of dense layer <paramref name="layer"/>, float32 [batch, out]: an output of
    /// the per-example (DP-SGD) training graph and, row-scaled by the clip factors, an input of <see cref="ClippedSumModel"/>.
    /// </summary>
    public static string LayerDelta(int layer) => "delta.dense" + layer.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The input hₗ₋₁ of dense layer <paramref name="layer"/> ≥ 1, float32 [batch, in]: an output of the per-example
    /// training graph and an input of <see cref="ClippedSumModel"/> (layer 0's input is <see cref="Features"/>).
    /// </summary>
    public static string LayerInput(int layer) => "input.dense" + layer.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The gradient output for parameter <paramref name="parameter"/>.</summary>
    public static string Gradient(string parameter) => "grad." + parameter;

    /// <summary>The frozen anchor input (the global weights) for trainable parameter <paramref name="parameter"/> in the proximal training graph.</summary>
    public static string Anchor(string parameter) => parameter + ".anchor";

    /// <summary>An optimizer state tensor name.</summary>
    public static string State(string prefix, string parameter) => prefix + "." + parameter;

    /// <summary>The optimizer graph's output for an updated value.</summary>
    public static string Updated(string name) => "updated." + name;
}
