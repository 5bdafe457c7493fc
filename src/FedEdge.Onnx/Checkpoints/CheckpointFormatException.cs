namespace FedEdge.Onnx.Checkpoints;

/// <summary>A checkpoint file is truncated, corrupt, tampered with, or does not fit the expected model.</summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException()
    {
    }

    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    public CheckpointFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
