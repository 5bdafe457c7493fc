namespace FedEdge.Onnx.Training;

/// <summary>A training artifact cannot be loaded or does not match the checkpoint (names the file and tensor).</summary>
public sealed class TrainingArtifactException : Exception
{
    public TrainingArtifactException()
    {
    }

    public TrainingArtifactException(string message)
        : base(message)
    {
    }

    public TrainingArtifactException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
