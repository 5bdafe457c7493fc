using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Storage;
using Google.Protobuf;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Checkpoints;
using FedEdge.Onnx.Graphs;
using FedEdge.Core.Models;

namespace FedEdge.Onnx.Artifacts;

/// <summary>
/// Generates <c>training_model.onnx</c>, <c>eval_model.onnx</c>, <c>optimizer_model.onnx</c>,
/// <c>checkpoint</c> and <c>artifacts.json</c> (plus <c>clipped_sum_model.onnx</c> for DP-SGD with a trainable weight) for a
/// model, a trainable subset and an optimizer (opset 17, IR 8).
/// </summary>
public static class TrainingArtifactGenerator
{
    /// <summary>
    /// Writes the artifacts into <paramref name="directory"/> (created if missing; files replaced
    /// atomically). The checkpoint holds <paramref name="initialParameters"/>, or a seeded
    /// He/Glorot initialisation when none are given. With <paramref name="perExampleClipping"/>
    /// the training graph is DP-SGD's per-example graph (log-probabilities, per-example deltas and layer inputs) and
    /// <c>clipped_sum_model.onnx</c> sums the per-example weight gradients once the runner has clipped them
    /// (<see cref="Training.OrtTrainer.ClipNorm"/>); the trainer exposes the pair as one gradient step. With
    /// <paramref name="proximalTerm"/> it is Ditto's personal objective (Li et al. 2021, eq. 2):
    /// every trainable tensor W gets a frozen input <c>W.anchor</c> (the global weights, bound with
    /// <see cref="Training.OrtTrainer.SetAnchor"/>) and the scalar input <c>proximal_lambda</c> λ,
    /// and the loss is F + (λ/2)·Σ‖W − W.anchor‖² with gradient ∂F/∂W + λ(W − W.anchor). λ is a
    /// runtime input so it is tuned without regenerating; it cannot be combined with
    /// <paramref name="perExampleClipping"/>.
    /// </summary>
    public static ArtifactSet Generate(
        ModelArchitecture architecture,
        TrainableSet trainable,
        OptimizerSettings optimizer,
        string directory,
        ParameterSet? initialParameters = null,
        int seed = 0,
        bool perExampleClipping = false,
        bool proximalTerm = false)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(trainable);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        optimizer.Validate();
        if (perExampleClipping && proximalTerm)
        {
            throw new ArgumentException("The proximal term (Ditto) and per-example clipping (DP-SGD) cannot be combined in one training graph.", nameof(proximalTerm));
        }

        var names = trainable.Resolve(architecture);
        var parameters = initialParameters ?? architecture.InitialParameters(new Random(seed));

        Directory.CreateDirectory(directory);
        var set = new ArtifactSet(directory);
        if (File.Exists(set.Manifest))
        {
            // regenerating over an existing set: until the new manifest lands the directory is incomplete
            File.Delete(set.Manifest);
        }

        bool clippedSum = perExampleClipping && ModelGraphs.HasClippedSum(architecture, names);
        WriteModel(perExampleClipping ? ModelGraphs.PerExampleTraining(architecture, names) : ModelGraphs.Training(architecture, names, proximalTerm), set.TrainingModel);
        if (clippedSum)
        {
            WriteModel(ModelGraphs.ClippedSum(architecture, names), set.ClippedSumModel);
        }
        else if (File.Exists(set.ClippedSumModel))
        {
            // a plain set, or a DP-SGD set whose trainable tensors are biases only (the runner sums those)
            File.Delete(set.ClippedSumModel);
        }

        WriteModel(ModelGraphs.Eval(architecture), set.EvalModel);
        WriteModel(ModelGraphs.Optimizer(architecture, names, optimizer), set.OptimizerModel);
        Checkpoint.Create(architecture, names, optimizer, parameters).Save(set.Checkpoint);
        new ArtifactManifest(
            ArtifactManifest.CurrentFormat,
            perExampleClipping ? ArtifactManifest.PerExampleGraph : proximalTerm ? ArtifactManifest.ProximalGraph : ArtifactManifest.PlainGraph).Save(set.Manifest);
        return set;
    }

    /// <summary>
    /// Writes an FTTE subset set into <paramref name="directory"/>: <c>training_model.onnx</c> whose only
    /// gradient output is the mean gradient at <paramref name="subset"/>'s coordinates (every tensor a frozen
    /// input; ModelGraphs.SubsetTraining), <c>optimizer_model.onnx</c> stepping those |S| values as one flat
    /// vector, and <c>artifacts.json</c> (kind <see cref="ArtifactManifest.SubsetGraph"/>), written last. The
    /// subset's SHA-256 is in the training graph's metadata, so a trainer refuses a set made for another subset.
    /// Run it with <see cref="Training.SubsetTrainer"/>.
    /// </summary>
    public static ArtifactSet GenerateSubset(ModelArchitecture architecture, ParameterSubset subset, OptimizerSettings optimizer, string directory)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(subset);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        optimizer.Validate();
        var training = ModelGraphs.SubsetTraining(architecture, subset);
        var touched = SubsetGradient.ForSubset(architecture.Layout, subset.Indices).Select(t => architecture.Layout.Tensors[t.Tensor].Name).ToArray();

        Directory.CreateDirectory(directory);
        var set = new ArtifactSet(directory);
        if (File.Exists(set.Manifest))
        {
            File.Delete(set.Manifest);
        }

        WriteModel(training, set.TrainingModel);
        WriteModel(ModelGraphs.Optimizer(architecture, touched, optimizer, subset.Count), set.OptimizerModel);
        new ArtifactManifest(ArtifactManifest.CurrentFormat, ArtifactManifest.SubsetGraph).Save(set.Manifest);
        return set;
    }

    /// <summary>Writes an inference-only model (weights as initializers) to <paramref name="path"/>.</summary>
    public static void ExportInferenceModel(ModelArchitecture architecture, ParameterSet parameters, string path)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(parameters);
        WriteModel(ModelGraphs.Inference(architecture, parameters), path);
    }

    /// <summary>The serialised bytes of the inference-only model.</summary>
    public static byte[] InferenceModelBytes(ModelArchitecture architecture, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(parameters);
        return ModelGraphs.Inference(architecture, parameters).ToByteArray();
    }

    private static void WriteModel(IMessage model, string path) => AtomicFile.Write(path, model.WriteTo);
}
