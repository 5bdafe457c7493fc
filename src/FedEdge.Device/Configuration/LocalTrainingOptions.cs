using System.ComponentModel.DataAnnotations;

namespace FedEdge.Device.Configuration;

/// <summary>Local training hyper-parameters. Defaults suit a Pi Zero 2 W.</summary>
public sealed class LocalTrainingOptions
{
    /// <summary>Local epochs per contribution. Default 1.</summary>
    [Range(1, 1000)]
    public int Epochs { get; set; } = 1;

    /// <summary>Mini-batch size. Default 32.</summary>
    [Range(1, 65536)]
    public int BatchSize { get; set; } = 32;

    /// <summary>SGD learning rate. Default 0.05.</summary>
    [Range(1e-9, 100.0)]
    public float LearningRate { get; set; } = 0.05f;

    /// <summary>ONNX Runtime threads. Default 1 (the board keeps reading sensors).</summary>
    [Range(1, 64)]
    public int Threads { get; set; } = 1;

    /// <summary>At most this many newest samples per contribution. Default 2000.</summary>
    [Range(1, 10_000_000)]
    public int MaxSamples { get; set; } = 2000;

    /// <summary>No contribution from fewer samples. Default 100.</summary>
    [Range(1, 10_000_000)]
    public int MinSamples { get; set; } = 100;
}
