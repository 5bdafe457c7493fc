using System.Globalization;
using FedEdge.Core.Codecs;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Graphs;
using Microsoft.ML.OnnxRuntime;

namespace FedEdge.Onnx.Training;

/// <summary>
/// Trains only an FTTE subset S of a model's coordinates (arXiv 2510.03165) over the artifacts of
/// <see cref="TrainingArtifactGenerator.GenerateSubset"/>: every parameter tensor is bound to the training graph as a
/// frozen input, the graph returns the mean gradient at S alone, the optimizer graph steps the |S| values, and the
/// runner scatters them back into <see cref="Parameters"/>. Coordinates outside S are never written, so they stay
/// bit-identical to what the caller put there. What the trainer keeps beyond the N parameters: |S| gradients,
/// |S| gathered values, |S| updated values and 2·slots·|S| optimizer states (current and updated) — against
/// OrtTrainer's N-sized buffers of each — and ONNX Runtime backpropagates only down to the lowest layer S touches.
/// No checkpoint and no evaluation graph: the device starts each contribution from the global model with a fresh
/// optimizer, and evaluates with its dense trainer or the inference model.
/// </summary>
/// <remarks>
/// As in <see cref="OrtTrainer"/>, every tensor is an <see cref="OrtValue"/> over a pinned managed buffer bound once
/// per batch size, so a step allocates no managed memory after warm-up.
/// </remarks>
public sealed class SubsetTrainer : ILocalTrainer, IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly InferenceSession _training;
    private readonly InferenceSession _optimizer;
    private readonly RunOptions _runOptions = new();
    private readonly int _inputs;
    private readonly float[] _features;
    private readonly long[] _labels;
    private readonly float[] _batchOnes;
    private readonly float[] _loss = new float[1];
    private readonly OptimizerScalars _scalars = new();
    private readonly float[] _gradients;
    private readonly float[] _values;
    private readonly float[] _updatedValues;
    private readonly float[] _state;
    private readonly float[] _updatedState;
    private readonly OrtValue[] _parameterValues;
    private readonly OrtIoBinding?[] _trainingBindings;
    private readonly OrtIoBinding _optimizerBinding;
    private bool _disposed;

    private SubsetTrainer(ArtifactSet artifacts, ModelArchitecture architecture, ParameterSubset subset, OptimizerSettings optimizer, TrainerOptions options)
    {
        Artifacts = artifacts;
        Architecture = architecture;
        Subset = subset;
        Optimizer = optimizer;
        Options = options;
        _inputs = architecture.Inputs;
        _features = new float[options.MaxBatchSize * _inputs];
        _labels = new long[options.MaxBatchSize];
        _batchOnes = new float[options.MaxBatchSize];
        Array.Fill(_batchOnes, 1f);
        _trainingBindings = new OrtIoBinding?[options.MaxBatchSize + 1];
        Parameters = new ParameterSet(architecture.Layout);
        int k = subset.Count;
        int slots = optimizer.StatePrefixes.Count;
        _gradients = new float[k];
        _values = new float[k];
        _updatedValues = new float[k];
        _state = new float[slots * k];
        _updatedState = new float[slots * k];

        using var sessionOptions = OrtTrainer.CreateSessionOptions(options.Threads);
        try
        {
            _training = Own(OrtTrainer.OpenSession(artifacts.TrainingModel, sessionOptions));
            _optimizer = Own(OrtTrainer.OpenSession(artifacts.OptimizerModel, sessionOptions));
            _owned.Add(_runOptions);
            CheckGraphs();
            _parameterValues = new OrtValue[architecture.Layout.Count];
            for (int i = 0; i < _parameterValues.Length; i++)
            {
                var spec = architecture.Layout.Tensors[i];
                _parameterValues[i] = Own(OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, Parameters.Buffer.AsMemory(architecture.Layout.OffsetOf(i), spec.Length), spec.ShapeAsInt64()));
            }

            _optimizerBinding = BuildOptimizerBinding();
        }
        catch
        {
            DisposeOwned();
            throw;
        }
    }

    /// <summary>The artifact files this trainer runs.</summary>
    public ArtifactSet Artifacts { get; }

    /// <summary>The model.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>The coordinates this trainer trains.</summary>
    public ParameterSubset Subset { get; }

    /// <summary>The optimizer baked into the optimizer graph.</summary>
    public OptimizerSettings Optimizer { get; }

    /// <summary>The options in force.</summary>
    public TrainerOptions Options { get; }

    /// <summary>All parameters; <see cref="OptimizerStep"/> writes only the coordinates of <see cref="Subset"/>.</summary>
    public ParameterSet Parameters { get; }

    /// <summary>The mean gradient at the subset's coordinates from the last <see cref="ComputeGradients(Dataset, ReadOnlySpan{int})"/>, in subset order.</summary>
    public ReadOnlySpan<float> Gradients => _gradients;

    /// <summary>The optimizer state, prefix-major (state kind j is the j-th block of |S| values).</summary>
    public Span<float> OptimizerState => _state;

    /// <summary>Optimizer steps taken since the last <see cref="ResetOptimizer"/>.</summary>
    public long Step { get; private set; }

    /// <summary>
    /// Loads the subset artifacts in <paramref name="directory"/> for <paramref name="subset"/> of
    /// <paramref name="architecture"/>, with the <paramref name="optimizer"/> they were generated with.
    /// </summary>
    /// <exception cref="TrainingArtifactException">A file is missing or corrupt, or the set is for another model, subset or optimizer.</exception>
    public static SubsetTrainer Load(string directory, ModelArchitecture architecture, ParameterSubset subset, OptimizerSettings optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(subset);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= TrainerOptions.Default;
        options.Validate();
        optimizer.Validate();
        if (subset.TotalLength != architecture.Layout.TotalLength)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture, $"The subset is over {subset.TotalLength} coordinates but {architecture} has {architecture.Layout.TotalLength}."), nameof(subset));
        }

        var artifacts = new ArtifactSet(directory);
        foreach (string path in artifacts.SubsetFiles)
        {
            if (!File.Exists(path))
            {
                throw new TrainingArtifactException($"Training artifact '{path}' is missing.");
            }
        }

        var manifest = ArtifactManifest.Load(artifacts.Manifest);
        if (manifest.TrainingGraph != ArtifactManifest.SubsetGraph)
        {
            throw new TrainingArtifactException($"'{directory}' holds {manifest.TrainingGraph} artifacts, not an FTTE subset set; load them with {nameof(OrtTrainer)}.");
        }

        return new SubsetTrainer(artifacts, architecture, subset, optimizer, options);
    }

    /// <summary>Runs the training graph on the given rows: fills <see cref="Gradients"/> and returns the mean loss. Allocation-free after warm-up.</summary>
    public float ComputeGradients(Dataset data, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(data);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.FeatureCount != _inputs || data.ClassCount > Architecture.Classes)
        {
            throw new ArgumentException($"{Architecture} does not fit data with {data.FeatureCount} features and {data.ClassCount} classes.", nameof(data));
        }

        int n = CheckBatchSize(rows.Length);
        for (int i = 0; i < n; i++)
        {
            int row = rows[i];
            if ((uint)row >= (uint)data.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"Row index outside 0..{data.Count - 1}.");
            }

            data.Row(row).CopyTo(_features.AsSpan(i * _inputs, _inputs));
            _labels[i] = data.Label(row);
        }

        return Run(n);
    }

    /// <summary>Runs the training graph on a raw batch (row-major features, one label per row).</summary>
    public float ComputeGradients(ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = CheckBatchSize(labels.Length);
        if (features.Length != n * _inputs)
        {
            throw new ArgumentException($"'{ArtifactNames.Features}' must have {n * _inputs} values, {features.Length} were given.", nameof(features));
        }

        for (int i = 0; i < n; i++)
        {
            if ((uint)labels[i] >= (uint)Architecture.Classes)
            {
                throw new ArgumentException($"Label {labels[i]} at row {i} is outside 0..{Architecture.Classes - 1}.", nameof(labels));
            }

            _labels[i] = labels[i];
        }

        features.CopyTo(_features);
        return Run(n);
    }

    /// <summary>
    /// One optimizer step on the subset's coordinates with <see cref="Gradients"/>: gather their current values,
    /// run the flat optimizer graph, scatter the results back. Nothing else in <see cref="Parameters"/> is written.
    /// </summary>
    public void OptimizerStep(float learningRate)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _scalars.Set(learningRate, Optimizer, Step);

        Subset.Gather(Parameters.AsSpan(), _values);
        _optimizer.RunWithBinding(_runOptions, _optimizerBinding);
        Subset.Scatter(_updatedValues, Parameters.AsSpan());
        _updatedState.AsSpan().CopyTo(_state);
        Step++;
    }

    /// <inheritdoc/>
    public float TrainStep(Dataset data, ReadOnlySpan<int> rows, float learningRate)
    {
        float loss = ComputeGradients(data, rows);
        OptimizerStep(learningRate);
        return loss;
    }

    /// <inheritdoc/>
    public void ResetOptimizer()
    {
        Array.Clear(_state);
        Step = 0;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        DisposeOwned();
    }

    private float Run(int n)
    {
        _training.RunWithBinding(_runOptions, _trainingBindings[n] ??= CreateTrainingBinding(n));
        return _loss[0];
    }

    private int CheckBatchSize(int n) =>
        n < 1 || n > Options.MaxBatchSize ? throw new ArgumentOutOfRangeException(nameof(n), n, $"A batch must have 1..{Options.MaxBatchSize} rows.") : n;

    private void CheckGraphs()
    {
        string expected = Convert.ToHexStringLower(Subset.ContentHash);
        var metadata = _training.ModelMetadata.CustomMetadataMap;
        if (!metadata.TryGetValue(ModelGraphs.SubsetMetadataKey, out string? hash) || hash != expected)
        {
            throw new TrainingArtifactException(
                $"'{Artifacts.TrainingModel}' was generated for subset sha256 {hash ?? "(none)"}, not for {Subset}: regenerate it.");
        }

        if (!metadata.TryGetValue("fededge.architecture", out string? architecture) || architecture != Architecture.ToString())
        {
            throw new TrainingArtifactException($"'{Artifacts.TrainingModel}' is for {architecture ?? "an unknown model"}, not {Architecture}.");
        }

        if (!_training.OutputMetadata.TryGetValue(ArtifactNames.SubsetGradients, out var gradients) || gradients.Dimensions is not [int k] || k != Subset.Count)
        {
            throw new TrainingArtifactException($"'{Artifacts.TrainingModel}' has no output '{ArtifactNames.SubsetGradients}' of {Subset.Count} values.");
        }

        if (!_optimizer.InputMetadata.TryGetValue(ArtifactNames.Parameters, out var flat) || flat.Dimensions is not [int length] || length != Subset.Count)
        {
            throw new TrainingArtifactException($"'{Artifacts.OptimizerModel}' does not step {Subset.Count} values as one flat vector '{ArtifactNames.Parameters}'.");
        }

        if (!_optimizer.ModelMetadata.CustomMetadataMap.TryGetValue("fededge.optimizer", out string? kind) || kind != Optimizer.Kind.ToString())
        {
            throw new TrainingArtifactException($"'{Artifacts.OptimizerModel}' is a {kind ?? "unknown"} step, not {Optimizer.Kind}.");
        }
    }

    private OrtIoBinding CreateTrainingBinding(int n)
    {
        var binding = Own(_training.CreateIoBinding());
        binding.BindInput(ArtifactNames.Features, Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _features.AsMemory(0, n * _inputs), [n, _inputs])));
        binding.BindInput(ArtifactNames.Labels, Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _labels.AsMemory(0, n), [n])));
        binding.BindInput(ArtifactNames.InverseBatchSize, Own(OrtValue.CreateTensorValueFromMemory(new[] { 1f / n }, [])));
        binding.BindInput(ArtifactNames.BatchOnes, Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _batchOnes.AsMemory(0, n), [n])));
        for (int i = 0; i < _parameterValues.Length; i++)
        {
            binding.BindInput(Architecture.Layout.Tensors[i].Name, _parameterValues[i]);
        }

        binding.BindOutput(ArtifactNames.Loss, Own(OrtValue.CreateTensorValueFromMemory(_loss, [])));
        binding.BindOutput(ArtifactNames.SubsetGradients, Flat(_gradients.AsMemory()));
        return binding;
    }

    private OrtIoBinding BuildOptimizerBinding()
    {
        var binding = Own(_optimizer.CreateIoBinding());
        _scalars.BindTo(_optimizer, binding, Own);

        int k = Subset.Count;
        binding.BindInput(ArtifactNames.Parameters, Flat(_values.AsMemory()));
        binding.BindInput(ArtifactNames.Gradients, Flat(_gradients.AsMemory()));
        binding.BindOutput(ArtifactNames.Updated(ArtifactNames.Parameters), Flat(_updatedValues.AsMemory()));
        var prefixes = Optimizer.StatePrefixes;
        for (int j = 0; j < prefixes.Count; j++)
        {
            binding.BindInput(prefixes[j], Flat(_state.AsMemory(j * k, k)));
            binding.BindOutput(ArtifactNames.Updated(prefixes[j]), Flat(_updatedState.AsMemory(j * k, k)));
        }

        return binding;
    }

    private OrtValue Flat(Memory<float> memory) =>
        Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, [memory.Length]));

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private void DisposeOwned()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
    }
}
