using Microsoft.ML.OnnxRuntime;
using FedEdge.Core.Data;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Checkpoints;
using FedEdge.Onnx.Graphs;
using FedEdge.Onnx.Privacy;
using FedEdge.Core.Models;

namespace FedEdge.Onnx.Training;

/// <summary>
/// Runs FedEdge's generated training artifacts on the stock ONNX Runtime <see cref="InferenceSession"/>:
/// gradient step, optimizer step, evaluation, checkpoint and inference export.
/// </summary>
/// <remarks>
/// Every tensor the sessions read or write is an <see cref="OrtValue"/> created once over a pinned
/// managed buffer and bound through an <see cref="OrtIoBinding"/>; one binding per batch size is
/// built on first use, so after warm-up a training step allocates no managed memory
/// (DESIGN.md §4: Run() allocates ≈370 B per call, RunWithBinding 0).
/// </remarks>
public sealed class OrtTrainer : ILocalTrainer, IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly InferenceSession _training;
    private readonly InferenceSession _eval;
    private readonly InferenceSession _optimizer;

    // The labels one-hot the plain and per-example training graphs read, and the log-probabilities they
    // return for the loss (null for the proximal graph, which takes the labels and returns its loss).
    private readonly float[]? _oneHot;
    private readonly float[]? _logProbabilities;

    // DP-SGD (per-example artifacts): the clipped-sum graph (absent when only biases are trainable), the
    // per-layer row buffers both graphs share, and the clipping done between the two runs.
    private readonly InferenceSession? _clippedSum;
    private readonly float[]?[] _layerInputs;
    private readonly float[]?[] _layerDeltas;
    private readonly PerExampleClipper? _clipper;
    private readonly OrtIoBinding?[] _clippedSumBindings;
    private readonly RunOptions _runOptions = new();
    private readonly int _inputs;
    private readonly float[] _features;
    private readonly long[] _labels;
    private readonly long[] _predictions;
    private readonly float[] _loss = new float[1];
    private readonly float[] _evalLoss = new float[1];
    private readonly OptimizerScalars _scalars = new();
    private readonly float[] _clipNorm = [1f];
    private readonly float[] _proximalLambda = [0f];
    private readonly float[] _perExampleNorms;
    private readonly float[] _batchOnes;
    private int _lastBatchSize;
    private readonly OrtValue[] _parameterValues;
    private readonly OrtValue[] _gradientValues;
    private readonly ParameterSet? _anchor;
    private readonly OrtValue[]? _anchorValues;
    private readonly ParameterSet _updatedParameters;
    private readonly ParameterSet _updatedState;
    private readonly int[] _trainableIndex;

    // Where the flat optimizer graph reads the trainable parameters: straight from the parameter
    // buffer when the trainable tensors are adjacent there (all, or the last layers), else from a copy.
    private readonly int _trainableOffset;
    private readonly float[]? _gatheredParameters;
    private readonly OrtIoBinding?[] _trainingBindings;
    private readonly OrtIoBinding?[] _evalBindings;
    private readonly OrtIoBinding _optimizerBinding;
    private bool _disposed;

    private OrtTrainer(ArtifactSet artifacts, ArtifactManifest manifest, Checkpoint checkpoint, TrainerOptions options)
    {
        Artifacts = artifacts;
        Checkpoint = checkpoint;
        Options = options;
        var architecture = checkpoint.Architecture;
        _inputs = architecture.Inputs;
        _features = new float[options.MaxBatchSize * _inputs];
        _labels = new long[options.MaxBatchSize];
        _predictions = new long[options.MaxBatchSize];
        _perExampleNorms = new float[options.MaxBatchSize];
        _batchOnes = new float[options.MaxBatchSize];
        Array.Fill(_batchOnes, 1f);
        _trainingBindings = new OrtIoBinding?[options.MaxBatchSize + 1];
        _evalBindings = new OrtIoBinding?[options.MaxBatchSize + 1];
        _clippedSumBindings = new OrtIoBinding?[options.MaxBatchSize + 1];
        PerExampleClipping = manifest.TrainingGraph == ArtifactManifest.PerExampleGraph;
        _layerInputs = new float[]?[architecture.LayerCount];
        _layerDeltas = new float[]?[architecture.LayerCount];
        var trainableLayout = architecture.Layout.Subset(checkpoint.Trainable);
        Gradients = new ParameterSet(trainableLayout);
        if (PerExampleClipping)
        {
            _clipper = new PerExampleClipper(PerExampleLayers(architecture, checkpoint.Trainable, options.MaxBatchSize), options.MaxBatchSize);
        }

        _updatedParameters = new ParameterSet(trainableLayout);
        _updatedState = new ParameterSet(checkpoint.OptimizerState.Layout);
        _trainableIndex = checkpoint.Trainable.Select(architecture.Layout.IndexOf).ToArray();
        bool adjacent = _trainableIndex.AsSpan().SequenceEqual(Enumerable.Range(_trainableIndex[0], _trainableIndex.Length).ToArray());
        _trainableOffset = architecture.Layout.OffsetOf(_trainableIndex[0]);
        _gatheredParameters = adjacent ? null : new float[trainableLayout.TotalLength];

        using var sessionOptions = CreateSessionOptions(options.Threads);
        try
        {
            _training = Own(OpenSession(artifacts.TrainingModel, sessionOptions));
            if (_training.InputMetadata.ContainsKey(ArtifactNames.OneHotLabels))
            {
                _oneHot = new float[options.MaxBatchSize * architecture.Classes];
                _logProbabilities = new float[options.MaxBatchSize * architecture.Classes];
            }
            else if (PerExampleClipping)
            {
                throw new TrainingArtifactException($"'{artifacts.TrainingModel}' is per-example but has no input '{ArtifactNames.OneHotLabels}'.");
            }

            _eval = Own(OpenSession(artifacts.EvalModel, sessionOptions));
            _optimizer = Own(OpenSession(artifacts.OptimizerModel, sessionOptions));
            if (PerExampleClipping && ModelGraphs.HasClippedSum(architecture, checkpoint.Trainable))
            {
                if (!File.Exists(artifacts.ClippedSumModel))
                {
                    throw new TrainingArtifactException($"Training artifact '{artifacts.ClippedSumModel}' is missing (the manifest says the set is per-example with a trainable weight).");
                }

                _clippedSum = Own(OpenSession(artifacts.ClippedSumModel, sessionOptions));
            }

            _owned.Add(_runOptions);

            _parameterValues = Values(checkpoint.Parameters);
            _gradientValues = Values(Gradients);
            CheckInputs(_training, artifacts.TrainingModel, architecture.Layout);
            CheckInputs(_eval, artifacts.EvalModel, architecture.Layout);
            if (_training.InputMetadata.ContainsKey(ArtifactNames.ProximalLambda))
            {
                // The anchor starts as the loaded parameters, so until SetAnchor is called the
                // proximal pull is towards the starting point, never towards zero.
                _anchor = new ParameterSet(trainableLayout);
                for (int i = 0; i < _trainableIndex.Length; i++)
                {
                    checkpoint.Parameters.Tensor(_trainableIndex[i]).CopyTo(_anchor.Tensor(i));
                }

                _anchorValues = Values(_anchor);
                CheckAnchorInputs(trainableLayout);
            }

            CheckTrainingOutputs(checkpoint.Trainable);
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

    /// <summary>The live checkpoint: parameters and optimizer state are updated in place.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The options in force.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The model.</summary>
    public ModelArchitecture Architecture => Checkpoint.Architecture;

    /// <summary>All parameters (trainable and frozen), updated in place by <see cref="OptimizerStep"/>.</summary>
    public ParameterSet Parameters => Checkpoint.Parameters;

    /// <summary>Gradients of the trainable tensors from the last <see cref="ComputeGradients(Dataset, ReadOnlySpan{int})"/>.</summary>
    public ParameterSet Gradients { get; }

    /// <summary>
    /// Whether the artifacts are DP-SGD's per-example pair: <see cref="Gradients"/> is then the sum
    /// of per-example gradients clipped to <see cref="ClipNorm"/>, not the mean gradient.
    /// </summary>
    public bool PerExampleClipping { get; }

    /// <summary>DP-SGD per-example clipping bound C (used only when <see cref="PerExampleClipping"/>).</summary>
    public float ClipNorm
    {
        get => _clipNorm[0];
        set
        {
            if (!(value > 0) || !float.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The clipping norm must be positive and finite.");
            }

            _clipNorm[0] = value;
        }
    }

    /// <summary>
    /// Whether the training graph carries Ditto's proximal term (Li et al. 2021, eq. 2): the loss
    /// is then F + (λ/2)·Σ‖W − W.anchor‖² over the trainable tensors, and <see cref="Gradients"/>
    /// include λ(W − W.anchor). Bind the global weights with <see cref="SetAnchor"/>.
    /// </summary>
    public bool Proximal => _anchor is not null;

    /// <summary>Ditto's λ ≥ 0 (used only when <see cref="Proximal"/>; 0 = plain objective). Starts at 0.</summary>
    public float ProximalLambda
    {
        get => _proximalLambda[0];
        set
        {
            if (!(value >= 0) || !float.IsFinite(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The proximal weight λ must be finite and non-negative.");
            }

            _proximalLambda[0] = value;
        }
    }

    /// <summary>The anchor (global weights of the trainable tensors) the proximal term pulls towards; null without the term.</summary>
    public ParameterSet? Anchor => _anchor;

    /// <summary>
    /// Copies the anchor w_global for the proximal term into the bound buffers (no allocation).
    /// <paramref name="anchor"/> is either a full parameter set of the model or one over exactly
    /// the trainable tensors; only the trainable tensors are read.
    /// </summary>
    /// <exception cref="InvalidOperationException">The training graph has no proximal term.</exception>
    /// <exception cref="ArgumentException">The layout fits neither the model nor its trainable subset, or a value is not finite.</exception>
    public void SetAnchor(ParameterSet anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_anchor is null)
        {
            throw new InvalidOperationException($"'{Artifacts.TrainingModel}' has no proximal term; generate it with proximalTerm: true.");
        }

        if (!ParameterSet.AllFinite(anchor.AsSpan()))
        {
            throw new ArgumentException("The anchor has a non-finite value.", nameof(anchor));
        }

        if (anchor.Layout.Equals(_anchor.Layout))
        {
            _anchor.CopyFrom(anchor);
        }
        else if (anchor.Layout.Equals(Architecture.Layout))
        {
            for (int i = 0; i < _trainableIndex.Length; i++)
            {
                anchor.Tensor(_trainableIndex[i]).CopyTo(_anchor.Tensor(i));
            }
        }
        else
        {
            throw new ArgumentException(
                $"The anchor's layout [{anchor.Layout}] is neither the model's [{Architecture.Layout}] nor the trainable subset's [{_anchor.Layout}].",
                nameof(anchor));
        }
    }

    /// <summary>The unclipped per-example gradient norms of the last DP-SGD batch.</summary>
    public ReadOnlySpan<float> PerExampleNorms => PerExampleClipping ? _perExampleNorms.AsSpan(0, _lastBatchSize) : [];

    /// <summary>Loads the artifacts in <paramref name="directory"/>.</summary>
    /// <exception cref="TrainingArtifactException">A file is missing, corrupt or inconsistent with the checkpoint.</exception>
    public static OrtTrainer Load(string directory, TrainerOptions? options = null)
    {
        options ??= TrainerOptions.Default;
        options.Validate();
        var artifacts = new ArtifactSet(directory);
        if (File.Exists(artifacts.Manifest) && ArtifactManifest.Load(artifacts.Manifest).TrainingGraph == ArtifactManifest.SubsetGraph)
        {
            throw new TrainingArtifactException($"'{directory}' holds FTTE subset artifacts; load them with {nameof(SubsetTrainer)}.");
        }

        foreach (string path in artifacts.All)
        {
            if (!File.Exists(path) && path != artifacts.Manifest)
            {
                throw new TrainingArtifactException($"Training artifact '{path}' is missing.");
            }
        }

        // a missing manifest means a set from before artifact format 2: the manifest check says so
        var manifest = ArtifactManifest.Load(artifacts.Manifest);
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Load(artifacts.Checkpoint, options.MaxCheckpointBytes);
        }
        catch (CheckpointFormatException ex)
        {
            throw new TrainingArtifactException(ex.Message, ex);
        }

        return new OrtTrainer(artifacts, manifest, checkpoint, options);
    }

    /// <summary>
    /// Runs the training graph on the given rows of <paramref name="data"/>: fills
    /// <see cref="Gradients"/> and returns the mean loss. Allocation-free after warm-up.
    /// </summary>
    public float ComputeGradients(Dataset data, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(data);
        return RunTraining(StageBatch(data, rows));
    }

    /// <summary>
    /// Runs the training graph on a raw batch (row-major features, one label per row).
    /// </summary>
    public float ComputeGradients(ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        return RunTraining(StageBatch(features, labels));
    }

    private float RunTraining(int n)
    {
        if (_oneHot is null)
        {
            _training.RunWithBinding(_runOptions, TrainingBinding(n));
            _lastBatchSize = n;
            return _loss[0];
        }

        int classes = Architecture.Classes;
        var oneHot = _oneHot.AsSpan(0, n * classes);
        oneHot.Clear();
        for (int i = 0; i < n; i++)
        {
            oneHot[(i * classes) + (int)_labels[i]] = 1f;
        }

        _training.RunWithBinding(_runOptions, TrainingBinding(n));

        // L = −(1/N)·Σᵢ log pᵢ,yᵢ, what the plain graph computes (there as −C·mean(onehot ⊙ log p))
        double picked = 0;
        for (int i = 0; i < n; i++)
        {
            picked += _logProbabilities![(i * classes) + (int)_labels[i]];
        }

        if (_clipper is not null)
        {
            _clipper.Clip(n, _clipNorm[0], _perExampleNorms);
            _clippedSum?.RunWithBinding(_runOptions, _clippedSumBindings[n] ??= CreateClippedSumBinding(n));
        }

        _lastBatchSize = n;
        return (float)(-picked / n);
    }

    /// <summary>Applies the optimizer to the trainable tensors using <see cref="Gradients"/>; frozen tensors are untouched.</summary>
    public void OptimizerStep(float learningRate)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _scalars.Set(learningRate, Checkpoint.Optimizer, Checkpoint.Step);

        var parameters = Checkpoint.Parameters;
        if (_gatheredParameters is not null)
        {
            for (int i = 0; i < _trainableIndex.Length; i++)
            {
                parameters.Tensor(_trainableIndex[i]).CopyTo(_gatheredParameters.AsSpan(Gradients.Layout.OffsetOf(i)));
            }
        }

        _optimizer.RunWithBinding(_runOptions, _optimizerBinding);
        if (_gatheredParameters is null)
        {
            _updatedParameters.AsSpan().CopyTo(parameters.AsSpan()[_trainableOffset..]);
        }
        else
        {
            for (int i = 0; i < _trainableIndex.Length; i++)
            {
                _updatedParameters.Tensor(i).CopyTo(parameters.Tensor(_trainableIndex[i]));
            }
        }

        _updatedState.AsSpan().CopyTo(Checkpoint.OptimizerState.AsSpan());
        Checkpoint.Step++;
    }

    /// <inheritdoc/>
    public void ResetOptimizer()
    {
        Checkpoint.OptimizerState.Clear();
        Checkpoint.Step = 0;
    }

    /// <summary>One gradient step and one optimizer step; returns the batch loss before the update.</summary>
    public float TrainStep(Dataset data, ReadOnlySpan<int> rows, float learningRate)
    {
        float loss = ComputeGradients(data, rows);
        OptimizerStep(learningRate);
        return loss;
    }

    /// <summary>Mean loss and accuracy over all of <paramref name="data"/>, in batches of the maximum size.</summary>
    public EvaluationResult Evaluate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(data);
        double lossSum = 0;
        int correct = 0;
        int batch = Options.MaxBatchSize;
        int[] rowBuffer = new int[Math.Min(batch, data.Count)];
        for (int start = 0; start < data.Count; start += batch)
        {
            int n = Math.Min(batch, data.Count - start);
            for (int i = 0; i < n; i++)
            {
                rowBuffer[i] = start + i;
            }

            StageBatch(data, rowBuffer.AsSpan(0, n));
            _eval.RunWithBinding(_runOptions, EvalBinding(n));
            lossSum += (double)_evalLoss[0] * n;
            for (int i = 0; i < n; i++)
            {
                if (_predictions[i] == _labels[i])
                {
                    correct++;
                }
            }
        }

        return data.Count == 0 ? new EvaluationResult(0, 0, 0) : new EvaluationResult(lossSum / data.Count, (double)correct / data.Count, data.Count);
    }

    /// <summary>Saves parameters, optimizer state and step atomically.</summary>
    public void SaveCheckpoint(string path) => Checkpoint.Save(path);

    /// <summary>Writes an inference-only ONNX model with the current parameters.</summary>
    public void ExportInferenceModel(string path) =>
        TrainingArtifactGenerator.ExportInferenceModel(Architecture, Parameters, path);

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

    internal static SessionOptions CreateSessionOptions(int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };

        // Spinning worker threads burn an idle core; on a Pi that shares the CPU with its sensors they must sleep.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    internal static InferenceSession OpenSession(string path, SessionOptions options)
    {
        try
        {
            return OrtSessions.Open(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new TrainingArtifactException($"ONNX Runtime cannot load '{path}': {ex.Message}", ex);
        }
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private OrtValue[] Values(ParameterSet set)
    {
        var values = new OrtValue[set.Layout.Count];
        for (int i = 0; i < values.Length; i++)
        {
            var spec = set.Layout.Tensors[i];
            values[i] = Own(OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, set.Buffer.AsMemory(set.Layout.OffsetOf(i), spec.Length), spec.ShapeAsInt64()));
        }

        return values;
    }

    private static void CheckInputs(InferenceSession session, string path, ParameterLayout layout)
    {
        foreach (var spec in layout.Tensors)
        {
            if (!session.InputMetadata.TryGetValue(spec.Name, out var metadata))
            {
                throw new TrainingArtifactException($"'{path}' has no input for parameter tensor '{spec.Name}' {spec}.");
            }

            int[] dims = metadata.Dimensions;
            if (!dims.AsSpan().SequenceEqual(spec.Shape.ToArray()))
            {
                throw new TrainingArtifactException(
                    $"'{path}': tensor '{spec.Name}' has shape [{string.Join(',', dims)}] but the checkpoint has {spec}.");
            }
        }
    }

    private void CheckAnchorInputs(ParameterLayout trainableLayout)
    {
        foreach (var spec in trainableLayout.Tensors)
        {
            string name = ArtifactNames.Anchor(spec.Name);
            if (!_training.InputMetadata.TryGetValue(name, out var metadata) || !metadata.Dimensions.AsSpan().SequenceEqual(spec.Shape.ToArray()))
            {
                throw new TrainingArtifactException(
                    $"'{Artifacts.TrainingModel}' has a proximal term but no anchor input '{name}' shaped like {spec}.");
            }
        }
    }

    private void CheckTrainingOutputs(IReadOnlyList<string> trainable)
    {
        // the graph that yields the gradients: the training graph, or for DP-SGD the clipped-sum graph (weights
        // only: the clipper sums the biases' rows) and the per-example graph's log-probabilities for the loss
        if (_oneHot is not null && !_training.OutputMetadata.ContainsKey(ArtifactNames.LogProbabilities))
        {
            throw new TrainingArtifactException($"'{Artifacts.TrainingModel}' has no output '{ArtifactNames.LogProbabilities}'.");
        }

        var (session, path) = _clippedSum is null ? (_training, Artifacts.TrainingModel) : (_clippedSum, Artifacts.ClippedSumModel);
        IReadOnlyList<string> expected = PerExampleClipping
            ? [.. Enumerable.Range(0, Architecture.LayerCount).Select(ModelArchitecture.WeightName).Where(trainable.Contains)]
            : trainable;
        foreach (string name in expected)
        {
            if (!session.OutputMetadata.ContainsKey(ArtifactNames.Gradient(name)))
            {
                throw new TrainingArtifactException(
                    $"'{path}' has no gradient output '{ArtifactNames.Gradient(name)}' for trainable tensor '{name}'.");
            }
        }

        if (!PerExampleClipping && session.OutputMetadata.Count != trainable.Count + 1)
        {
            throw new TrainingArtifactException(
                $"'{path}' computes {session.OutputMetadata.Count - 1} gradients but the checkpoint trains {trainable.Count} tensors.");
        }

        if (_clippedSum is not null && _clippedSum.OutputMetadata.Count != expected.Count)
        {
            throw new TrainingArtifactException(
                $"'{path}' computes {_clippedSum.OutputMetadata.Count} weight gradients but the checkpoint trains {expected.Count} weights.");
        }

        for (int layer = 0; layer < _layerDeltas.Length; layer++)
        {
            foreach (var (name, buffer) in new[] { (ArtifactNames.LayerDelta(layer), _layerDeltas[layer]), (ArtifactNames.LayerInput(layer), _layerInputs[layer]) })
            {
                if (buffer is not null && !_training.OutputMetadata.ContainsKey(name))
                {
                    throw new TrainingArtifactException($"'{Artifacts.TrainingModel}' has no per-example output '{name}'.");
                }
            }
        }
    }

    /// <summary>The row buffers of every layer with a trainable tensor, allocated once for the largest batch.</summary>
    private List<PerExampleClipper.Layer> PerExampleLayers(ModelArchitecture architecture, IReadOnlyList<string> trainable, int maxBatch)
    {
        var layers = new List<PerExampleClipper.Layer>();
        for (int layer = 0; layer < architecture.LayerCount; layer++)
        {
            bool weight = trainable.Contains(ModelArchitecture.WeightName(layer));
            bool bias = trainable.Contains(ModelArchitecture.BiasName(layer));
            if (!weight && !bias)
            {
                continue;
            }

            _layerDeltas[layer] = new float[maxBatch * architecture.FanOut(layer)];
            float[]? inputs = null;
            if (weight)
            {
                inputs = layer == 0 ? _features : _layerInputs[layer] = new float[maxBatch * architecture.FanIn(layer)];
            }

            int biasOffset = bias ? Gradients.Layout.OffsetOf(Gradients.Layout.IndexOf(ModelArchitecture.BiasName(layer))) : 0;
            layers.Add(new PerExampleClipper.Layer(
                inputs, architecture.FanIn(layer), _layerDeltas[layer]!, architecture.FanOut(layer), weight, bias ? Gradients.Buffer : null, biasOffset));
        }

        return layers;
    }

    private OrtIoBinding CreateClippedSumBinding(int n)
    {
        var binding = Own(_clippedSum!.CreateIoBinding());
        var architecture = Architecture;
        for (int layer = 0; layer < architecture.LayerCount; layer++)
        {
            // only layers with a trainable weight are inputs: a bias-only layer's rows are summed by the clipper
            if (_layerDeltas[layer] is float[] deltas && _clippedSum.InputMetadata.ContainsKey(ArtifactNames.LayerDelta(layer)))
            {
                binding.BindInput(ArtifactNames.LayerDelta(layer), Rows(deltas, n, architecture.FanOut(layer)));
            }

            if (_layerInputs[layer] is float[] inputs)
            {
                binding.BindInput(ArtifactNames.LayerInput(layer), Rows(inputs, n, architecture.FanIn(layer)));
            }
        }

        if (_clippedSum.InputMetadata.ContainsKey(ArtifactNames.Features))
        {
            binding.BindInput(ArtifactNames.Features, Rows(_features, n, _inputs));
        }

        for (int i = 0; i < _gradientValues.Length; i++)
        {
            string name = ArtifactNames.Gradient(Gradients.Layout.Tensors[i].Name);
            if (_clippedSum.OutputMetadata.ContainsKey(name))
            {
                binding.BindOutput(name, _gradientValues[i]);
            }
        }

        return binding;
    }

    private OrtValue Rows(float[] buffer, int n, int width) =>
        Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, n * width), [n, width]));

    private OrtIoBinding BuildOptimizerBinding()
    {
        int length = Gradients.Length;
        if (!_optimizer.InputMetadata.TryGetValue(ArtifactNames.Parameters, out var flat) || flat.Dimensions.Length != 1 || flat.Dimensions[0] != length)
        {
            throw new TrainingArtifactException(
                $"'{Artifacts.OptimizerModel}' does not step the {length} trainable parameters as one flat vector '{ArtifactNames.Parameters}'; it was generated by an older FedEdge or for another subset: regenerate the artifacts.");
        }

        if (!_optimizer.ModelMetadata.CustomMetadataMap.TryGetValue("fededge.optimizer", out string? kind) || kind != Checkpoint.Optimizer.Kind.ToString())
        {
            throw new TrainingArtifactException(
                $"'{Artifacts.OptimizerModel}' is a {kind ?? "unknown"} step but the checkpoint's optimizer is {Checkpoint.Optimizer.Kind}.");
        }

        var binding = Own(_optimizer.CreateIoBinding());
        _scalars.BindTo(_optimizer, binding, Own);

        var parameters = _gatheredParameters is null ? Checkpoint.Parameters.Buffer.AsMemory(_trainableOffset, length) : _gatheredParameters.AsMemory();
        binding.BindInput(ArtifactNames.Parameters, Flat(parameters));
        binding.BindInput(ArtifactNames.Gradients, Flat(Gradients.Buffer.AsMemory()));
        binding.BindOutput(ArtifactNames.Updated(ArtifactNames.Parameters), Flat(_updatedParameters.Buffer.AsMemory()));

        // The state is prefix-major (Checkpoint.StateLayout): state kind k is the k-th block of P values.
        var prefixes = Checkpoint.Optimizer.StatePrefixes;
        for (int k = 0; k < prefixes.Count; k++)
        {
            binding.BindInput(prefixes[k], Flat(Checkpoint.OptimizerState.Buffer.AsMemory(k * length, length)));
            binding.BindOutput(ArtifactNames.Updated(prefixes[k]), Flat(_updatedState.Buffer.AsMemory(k * length, length)));
        }

        return binding;

        OrtValue Flat(Memory<float> memory) => Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, [memory.Length]));
    }

    private OrtIoBinding TrainingBinding(int n)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _trainingBindings[n] ??= CreateBatchBinding(_training, n, training: true);
    }

    private OrtIoBinding EvalBinding(int n)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _evalBindings[n] ??= CreateBatchBinding(_eval, n, training: false);
    }

    private OrtIoBinding CreateBatchBinding(InferenceSession session, int n, bool training)
    {
        var binding = Own(session.CreateIoBinding());
        binding.BindInput(ArtifactNames.Features, Own(OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, _features.AsMemory(0, n * _inputs), [n, _inputs])));
        if (training && _oneHot is not null)
        {
            binding.BindInput(ArtifactNames.OneHotLabels, Rows(_oneHot!, n, Architecture.Classes));
            binding.BindOutput(ArtifactNames.LogProbabilities, Rows(_logProbabilities!, n, Architecture.Classes));
        }
        else
        {
            binding.BindInput(ArtifactNames.Labels, Own(OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, _labels.AsMemory(0, n), [n])));
        }
        for (int i = 0; i < _parameterValues.Length; i++)
        {
            binding.BindInput(Checkpoint.Parameters.Layout.Tensors[i].Name, _parameterValues[i]);
        }

        if (training)
        {
            if (_oneHot is null)
            {
                binding.BindOutput(ArtifactNames.Loss, Own(OrtValue.CreateTensorValueFromMemory(_loss, [])));
            }

            if (!PerExampleClipping)
            {
                for (int i = 0; i < _gradientValues.Length; i++)
                {
                    binding.BindOutput(ArtifactNames.Gradient(Gradients.Layout.Tensors[i].Name), _gradientValues[i]);
                }
            }

            if (_anchorValues is not null)
            {
                binding.BindInput(ArtifactNames.ProximalLambda, Own(OrtValue.CreateTensorValueFromMemory(_proximalLambda, [])));
                for (int i = 0; i < _anchorValues.Length; i++)
                {
                    binding.BindInput(ArtifactNames.Anchor(_anchor!.Layout.Tensors[i].Name), _anchorValues[i]);
                }
            }

            if (PerExampleClipping)
            {
                // the per-example deltas and layer inputs land in the buffers the clipper and the clipped-sum graph read
                for (int layer = 0; layer < _layerDeltas.Length; layer++)
                {
                    if (_layerDeltas[layer] is float[] deltas)
                    {
                        binding.BindOutput(ArtifactNames.LayerDelta(layer), Rows(deltas, n, Architecture.FanOut(layer)));
                    }

                    if (_layerInputs[layer] is float[] inputs)
                    {
                        binding.BindOutput(ArtifactNames.LayerInput(layer), Rows(inputs, n, Architecture.FanIn(layer)));
                    }
                }
            }
            else
            {
                // the mean gradient's 1/N and the bias gradients' row weights, fixed for this binding's batch size
                binding.BindInput(ArtifactNames.InverseBatchSize, Own(OrtValue.CreateTensorValueFromMemory(new[] { 1f / n }, [])));
                binding.BindInput(ArtifactNames.BatchOnes, Own(OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, _batchOnes.AsMemory(0, n), [n])));
            }
        }
        else
        {
            binding.BindOutput(ArtifactNames.Loss, Own(OrtValue.CreateTensorValueFromMemory(_evalLoss, [])));
            binding.BindOutput(ArtifactNames.Predictions, Own(OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, _predictions.AsMemory(0, n), [n])));
        }

        return binding;
    }

    private int StageBatch(Dataset data, ReadOnlySpan<int> rows)
    {
        CheckShape(data);
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

        return n;
    }

    private int StageBatch(ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        int n = CheckBatchSize(labels.Length);
        if (features.Length != n * _inputs)
        {
            throw new ArgumentException(
                $"Tensor '{ArtifactNames.Features}' must have shape [{n}, {_inputs}] ({n * _inputs} values) but {features.Length} were given.",
                nameof(features));
        }

        for (int i = 0; i < n; i++)
        {
            if ((uint)labels[i] >= (uint)Architecture.Classes)
            {
                throw new ArgumentException(
                    $"Tensor '{ArtifactNames.Labels}' row {i}: label {labels[i]} is outside 0..{Architecture.Classes - 1}.", nameof(labels));
            }

            _labels[i] = labels[i];
        }

        features.CopyTo(_features);
        return n;
    }

    private int CheckBatchSize(int n)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (n < 1 || n > Options.MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, $"A batch must have 1..{Options.MaxBatchSize} rows.");
        }

        return n;
    }

    private void CheckShape(Dataset data)
    {
        if (data.FeatureCount != _inputs)
        {
            throw new ArgumentException(
                $"Tensor '{ArtifactNames.Features}': {Architecture} expects [batch, {_inputs}] but the data has {data.FeatureCount} features per row.",
                nameof(data));
        }

        if (data.ClassCount > Architecture.Classes)
        {
            throw new ArgumentException(
                $"Tensor '{ArtifactNames.Labels}': {Architecture} has {Architecture.Classes} classes but the data has {data.ClassCount}.",
                nameof(data));
        }
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
