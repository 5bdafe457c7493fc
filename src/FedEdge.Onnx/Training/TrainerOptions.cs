namespace FedEdge.Onnx.Training;

/// <summary>Settings of an <see cref="OrtTrainer"/>.</summary>
public sealed record TrainerOptions
{
    /// <summary>Default: one ONNX Runtime thread (a Pi has 4 cores and other work to do), batches up to 256 rows.</summary>
    public static TrainerOptions Default { get; } = new();

    /// <summary>ONNX Runtime intra-op threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Largest batch the trainer accepts; its input buffers are sized for it once.</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>Bound on the checkpoint file size read at load.</summary>
    public long MaxCheckpointBytes { get; init; } = Checkpoints.Checkpoint.DefaultMaxBytes;

    /// <summary>Throws naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Threads is < 1 or > 64)
        {
            errors.Add($"Threads must be in 1..64 (was {Threads})");
        }

        if (MaxBatchSize is < 1 or > 65536)
        {
            errors.Add($"MaxBatchSize must be in 1..65536 (was {MaxBatchSize})");
        }

        if (MaxCheckpointBytes < 1)
        {
            errors.Add("MaxCheckpointBytes must be positive");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid trainer options: " + string.Join("; ", errors) + ".");
        }
    }
}
