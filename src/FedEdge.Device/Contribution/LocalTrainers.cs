using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;

namespace FedEdge.Device.Contribution;

/// <summary>
/// The ONNX Runtime trainers a device uses, one per (architecture, clipping) pair, generated once
/// into an artifact directory and kept loaded, and the FTTE subset trainers, one per (architecture, subset
/// fingerprint), in a bounded least-recently-used cache. A device owns one; a simulated fleet whose virtual
/// devices train one after another shares one, so 500 devices cost one set of sessions, not 500.
/// Not thread-safe.
/// </summary>
/// <remarks>
/// Subset sets live under <c>subsets/&lt;architecture hash&gt;-&lt;subset sha256&gt;</c> (16 hex digits each). The server
/// picks a new subset when its importance ranking changes, so the sets churn: at most <see cref="MaxSubsetSets"/> are
/// kept loaded and at most as many on disk; the least recently used loaded one is disposed and deleted when another
/// is needed, and directories left by an earlier process are reused when asked for and otherwise deleted, oldest
/// first, once they push the directory over the bound.
/// </remarks>
public sealed class LocalTrainers : IDisposable
{
    /// <summary>Default bound on the subset sets kept (loaded and on disk): the current subset and the previous one.</summary>
    public const int DefaultMaxSubsetSets = 2;

    private const string SubsetsDirectoryName = "subsets";
    private const int FingerprintDigits = 16;

    private readonly string _artifactsDirectory;
    private readonly int _threads;
    private readonly Dictionary<(string Hash, bool Clipping), OrtTrainer> _trainers = [];

    // most recently used last; at most MaxSubsetSets entries
    private readonly List<(string Key, SubsetTrainer Trainer)> _subsetTrainers = [];

    /// <summary>Creates an empty cache.</summary>
    /// <param name="artifactsDirectory">Where artifacts are generated (one sub-directory per architecture and mode).</param>
    /// <param name="threads">ONNX Runtime intra-op threads per session.</param>
    /// <param name="maxSubsetSets">Bound on the FTTE subset sets kept loaded and on disk (≥ 1).</param>
    public LocalTrainers(string artifactsDirectory, int threads = 1, int maxSubsetSets = DefaultMaxSubsetSets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(artifactsDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSubsetSets, 1);
        _artifactsDirectory = artifactsDirectory;
        _threads = threads;
        MaxSubsetSets = maxSubsetSets;
    }

    /// <summary>Bound on the FTTE subset sets kept loaded and on disk.</summary>
    public int MaxSubsetSets { get; }

    /// <summary>The optimizer every local trainer uses: plain SGD, as FedAvg's ClientUpdate (McMahan et al. 2017, Alg. 1).</summary>
    public static OptimizerSettings LocalOptimizer { get; } = OptimizerSettings.Sgd(momentum: 0f);

    /// <summary>The directory of the subset sets (one sub-directory per architecture and subset fingerprint).</summary>
    public string SubsetsDirectory => Path.Combine(_artifactsDirectory, SubsetsDirectoryName);

    /// <summary>The fingerprints (directory names under <see cref="SubsetsDirectory"/>) of the loaded subset sets, least recently used first.</summary>
    public IReadOnlyList<string> LoadedSubsets => _subsetTrainers.Select(e => e.Key).ToArray();

    /// <summary>The directory name of the subset set for <paramref name="subset"/> of <paramref name="architecture"/>.</summary>
    public static string SubsetFingerprint(ModelArchitecture architecture, ParameterSubset subset)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(subset);
        return architecture.Hash()[..FingerprintDigits] + "-" + Convert.ToHexStringLower(subset.ContentHash)[..FingerprintDigits];
    }

    /// <summary>
    /// The trainer for FTTE subset <paramref name="subset"/> of <paramref name="architecture"/> (only its coordinates
    /// trainable, the rest frozen graph inputs; plain SGD) whose buffers hold at least <paramref name="maxBatchSize"/>
    /// rows: loaded from the cache, or from its directory, or generated there; then the least recently used sets
    /// beyond <see cref="MaxSubsetSets"/> are disposed and deleted.
    /// </summary>
    public SubsetTrainer GetSubset(ModelArchitecture architecture, ParameterSubset subset, int maxBatchSize)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(subset);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        string key = SubsetFingerprint(architecture, subset);
        int found = _subsetTrainers.FindIndex(e => e.Key == key);
        if (found >= 0)
        {
            var entry = _subsetTrainers[found];
            _subsetTrainers.RemoveAt(found);
            if (entry.Trainer.Options.MaxBatchSize >= maxBatchSize && entry.Trainer.Subset.Equals(subset))
            {
                _subsetTrainers.Add(entry);
                return entry.Trainer;
            }

            entry.Trainer.Dispose();
        }

        string directory = Path.Combine(SubsetsDirectory, key);
        var options = new TrainerOptions { Threads = _threads, MaxBatchSize = maxBatchSize };
        SubsetTrainer trainer;
        try
        {
            trainer = SubsetTrainer.Load(directory, architecture, subset, LocalOptimizer, options);
        }
        catch (TrainingArtifactException)
        {
            // missing, incomplete, or another subset whose fingerprint prefix collides: (re)generate
            TrainingArtifactGenerator.GenerateSubset(architecture, subset, LocalOptimizer, directory);
            trainer = SubsetTrainer.Load(directory, architecture, subset, LocalOptimizer, options);
        }

        _subsetTrainers.Add((key, trainer));
        EvictSubsets();
        return trainer;
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
            TrainingArtifactGenerator.Generate(architecture, TrainableSet.All, LocalOptimizer, directory, perExampleClipping: perExampleClipping);
        }

        var options = new TrainerOptions { Threads = _threads, MaxBatchSize = maxBatchSize };
        OrtTrainer trainer;
        try
        {
            trainer = OrtTrainer.Load(directory, options);
        }
        catch (TrainingArtifactException)
        {
            // a set of another artifact format (written by an older FedEdge) or damaged: regenerate it (the contribution
            // binds the global weights, so nothing of the old checkpoint is needed)
            TrainingArtifactGenerator.Generate(architecture, TrainableSet.All, LocalOptimizer, directory, perExampleClipping: perExampleClipping);
            trainer = OrtTrainer.Load(directory, options);
        }

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
        foreach (var (_, trainer) in _subsetTrainers)
        {
            trainer.Dispose();
        }

        _subsetTrainers.Clear();
    }

    private void EvictSubsets()
    {
        while (_subsetTrainers.Count > MaxSubsetSets)
        {
            var (key, trainer) = _subsetTrainers[0];
            _subsetTrainers.RemoveAt(0);
            trainer.Dispose();
            Directory.Delete(Path.Combine(SubsetsDirectory, key), recursive: true);
        }

        // On disk at most MaxSubsetSets too: the loaded ones stay, sets left by an earlier process go oldest first
        // (by their manifest's time: it is written last), so a restarted device still finds its recent sets.
        var stale = Directory.GetDirectories(SubsetsDirectory)
            .Where(d => !_subsetTrainers.Exists(e => e.Key == Path.GetFileName(d)))
            .OrderBy(d => File.GetLastWriteTimeUtc(new ArtifactSet(d).Manifest))
            .ThenBy(d => d, StringComparer.Ordinal)
            .ToList();
        for (int excess = _subsetTrainers.Count + stale.Count - MaxSubsetSets, i = 0; i < excess; i++)
        {
            Directory.Delete(stale[i], recursive: true);
        }
    }
}
