namespace FedEdge.Onnx.Artifacts;

/// <summary>
/// The paths of the training artifacts in one directory. <see cref="All"/> lists the files every set has
/// (the manifest last: it is written last); a DP-SGD set also has <see cref="ClippedSumModel"/>; an FTTE
/// subset set has only <see cref="SubsetFiles"/>.
/// </summary>
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

    /// <summary>Path of <c>clipped_sum_model.onnx</c> (DP-SGD sets only).</summary>
    public string ClippedSumModel => Path.Combine(Directory, ArtifactNames.ClippedSumModel);

    /// <summary>Path of <c>artifacts.json</c>.</summary>
    public string Manifest => Path.Combine(Directory, ArtifactNames.Manifest);

    /// <summary>The files every set has: the three graphs, the checkpoint and the manifest.</summary>
    public IReadOnlyList<string> All => [TrainingModel, EvalModel, OptimizerModel, Checkpoint, Manifest];

    /// <summary>The files of an FTTE subset set (<see cref="ArtifactManifest.SubsetGraph"/>): the two graphs and the manifest.</summary>
    public IReadOnlyList<string> SubsetFiles => [TrainingModel, OptimizerModel, Manifest];
}
