namespace FedEdge.Onnx.Artifacts;

/// <summary>The paths of the four training artifacts in one directory.</summary>
public sealed record ArtifactSet(string Directory)
{
    /// <summary>Path of <c>training_model.onnx</c>.</summary>
    public string TrainingModel => Path.Combine(Directory, ArtifactNames.TrainingModel);

    /// <summary>Path of <c>eval_model.onnx</c>.</summary>
    public string EvalModel => Path.Combine(Directory, ArtifactNames.EvalModel);

    /// <summary>Path of <c>optimizer_model.onnx</c>.</summary>
    public string OptimizerModel => Path.Combine(Directory, ArtifactNames.OptimizerModel);

    /// <summary>Path of <c>checkpoint</c>.</summary>
    public string Checkpoint => Path.Combine(Directory, ArtifactNames.Checkpoint);

    /// <summary>All four paths.</summary>
    public IReadOnlyList<string> All => [TrainingModel, EvalModel, OptimizerModel, Checkpoint];
}
