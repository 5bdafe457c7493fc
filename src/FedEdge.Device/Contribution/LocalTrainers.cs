using FedEdge.Core.Models;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;

namespace FedEdge.Device.Contribution;

/// <summary>
/// The ONNX Runtime trainers a device uses, one per (architecture, clipping) pair, generated once
/// into an artifact directory and kept loaded. A device owns one; a simulated fleet whose virtual
/// devices train one after another shares one, so 500 devices cost one set of sessions, not 500.
/// Not thread-safe.
/// </summary>
public sealed class LocalTrainers : IDisposable
{
    private readonly string _artifactsDirectory;
    private readonly int _threads;
    private readonly Dictionary<(string Hash, bool Clipping), OrtTrainer> _trainers = [];

    /// <summary>Creates an empty cache.</summary>
    /// <param name="artifactsDirectory">Where artifacts are generated (one sub-directory per architecture and mode).</param>
    /// <param name="threads">ONNX Runtime intra-op threads per session.</param>
    public LocalTrainers(string artifactsDirectory, int threads = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactsDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _artifactsDirectory = artifactsDirectory;
        _threads = threads;
    }

    /// <summary>
    /// The trainer for <paramref name="architecture"/> (all tensors trainable, plain SGD as FedAvg's
    /// ClientUpdate, McMahan et al. 2017, Alg. 1) whose buffers hold at least <paramref name="maxBatchSize"/> rows.
    /// </summary>
    /// <param name="architecture">The model.</param>
    /// <param name="perExampleClipping">Whether the graph clips per example (DP-SGD).</param>
    /// <param name="maxBatchSize">Largest batch the caller passes.</param>
    public OrtTrainer Get(ModelArchitecture architecture, bool perExampleClipping, int maxBatchSize)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        string hash = architecture.Hash();
        var key = (hash, perExampleClipping);
        if (_trainers.TryGetValue(key, out var cached) && cached.Options.MaxBatchSize >= maxBatchSize)
        {
            return cached;
        }

        cached?.Dispose();
        _trainers.Remove(key);
        string directory = Path.Combine(_artifactsDirectory, hash[..16] + (perExampleClipping ? "-dpsgd" : string.Empty));
        var artifacts = new ArtifactSet(directory);
        if (!artifacts.All.All(File.Exists))
        {
            TrainingArtifactGenerator.Generate(architecture, TrainableSet.All, OptimizerSettings.Sgd(momentum: 0f), directory, perExampleClipping: perExampleClipping);
        }

        var trainer = OrtTrainer.Load(directory, new TrainerOptions { Threads = _threads, MaxBatchSize = maxBatchSize });
        _trainers[key] = trainer;
        return trainer;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var trainer in _trainers.Values)
        {
            trainer.Dispose();
        }

        _trainers.Clear();
    }
}
