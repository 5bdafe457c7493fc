using Microsoft.ML.OnnxRuntime;
using FedEdge.Core.Data;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Checkpoints;
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
public sealed class OrtTrainer : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly InferenceSession _training;
    private readonly InferenceSession _eval;
    private readonly InferenceSession _optimizer;
    private readonly RunOptions _runOptions = new();
    private readonly int _inputs;
    private readonly float[] _features;
    private readonly long[] _labels;
    private readonly long[] _predictions;
    private readonly float[] _loss = new float[1];
    private readonly float[] _evalLoss = new float[1];
    private readonly float[] _learningRate = new float[1];
    private readonly float[] _step = new float[1];
    private readonly float[] _clipNorm = [1f];
    private readonly float[] _proximalLambda = [0f];
    private readonly float[] _perExampleNorms;
    private int _lastBatchSize;
    private readonly OrtValue[] _parameterValues;
    private readonly OrtValue[] _gradientValues;
    private readonly ParameterSet? _anchor;
    private readonly OrtValue[]? _anchorValues;
    private readonly ParameterSet _updatedParameters;
    private readonly ParameterSet _updatedState;
    private readonly int[] _trainableIndex;
    private readonly OrtIoBinding?[] _trainingBindings;
    private readonly OrtIoBinding?[] _evalBindings;
    private readonly OrtIoBinding _optimizerBinding;
    private bool _disposed;

    private OrtTrainer(ArtifactSet artifacts, Checkpoint checkpoint, TrainerOptions options)
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
        _trainingBindings = new OrtIoBinding?[options.MaxBatchSize + 1];
        _evalBindings = new OrtIoBinding?[options.MaxBatchSize + 1];

        var trainableLayout = architecture.Layout.Subset(checkpoint.Trainable);
        Gradients = new ParameterSet(trainableLayout);
        _updatedParameters = new ParameterSet(trainableLayout);
        _updatedState = new ParameterSet(checkpoint.OptimizerState.Layout);
        _trainableIndex = checkpoint.Trainable.Select(architecture.Layout.IndexOf).ToArray();

        using var sessionOptions = CreateSessionOptions(options.Threads);
        try
        {
            _training = Own(OpenSession(artifacts.TrainingModel, sessionOptions));
            _eval = Own(OpenSession(artifacts.EvalModel, sessionOptions));
            _optimizer = Own(OpenSession(artifacts.OptimizerModel, sessionOptions));
            _owned.Add(_runOptions);

            _parameterValues = Values(checkpoint.Parameters);
            _gradientValues = Values(Gradients);
            CheckInputs(_training, artifacts.TrainingModel, architecture.Layout);
            CheckInputs(_eval, artifacts.EvalModel, architecture.Layout);
            PerExampleClipping = _training.InputMetadata.ContainsKey(ArtifactNames.ClipNorm);
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
    /// Whether the training graph is the DP-SGD variant: <see cref="Gradients"/> is then the sum
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
        foreach (string path in artifacts.All)
        {
            if (!File.Exists(path))
            {
                throw new TrainingArtifactException($"Training artifact '{path}' is missing.");
            }
        }

        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Load(artifacts.Checkpoint, options.MaxCheckpointBytes);
        }
        catch (CheckpointFormatException ex)
        {
            throw new TrainingArtifactException(ex.Message, ex);
        }

        return new OrtTrainer(artifacts, checkpoint, options);
    }

    /// <summary>
    /// Runs the training graph on the given rows of <paramref name="data"/>: fills
    /// <see cref="Gradients"/> and returns the mean loss. Allocation-free after warm-up.
    /// </summary>
    public float ComputeGradients(Dataset data, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(data);
        int n = StageBatch(data, rows);
        _training.RunWithBinding(_runOptions, TrainingBinding(n));
        _lastBatchSize = n;
        return _loss[0];
    }

    /// <summary>
    /// Runs the training graph on a raw batch (row-major features, one label per row).
    /// </summary>
    public float ComputeGradients(ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        int n = StageBatch(features, labels);
        _training.RunWithBinding(_runOptions, TrainingBinding(n));
        _lastBatchSize = n;
        return _loss[0];
    }

    /// <summary>Applies the optimizer to the trainable tensors using <see cref="Gradients"/>; frozen tensors are untouched.</summary>
    public void OptimizerStep(float learningRate)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!(learningRate >= 0) || !float.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and non-negative.");
        }

        _learningRate[0] = learningRate;
        _step[0] = Checkpoint.Step + 1;
        _optimizer.RunWithBinding(_runOptions, _optimizerBinding);
        for (int i = 0; i < _trainableIndex.Length; i++)
        {
            _updatedParameters.Tensor(i).CopyTo(Checkpoint.Parameters.Tensor(_trainableIndex[i]));
        }

        _updatedState.AsSpan().CopyTo(Checkpoint.OptimizerState.AsSpan());
        Checkpoint.Step++;
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

    private static SessionOptions CreateSessionOptions(int threads)
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

    private static InferenceSession OpenSession(string path, SessionOptions options)
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
        foreach (string name in trainable)
        {
            if (!_training.OutputMetadata.ContainsKey(ArtifactNames.Gradient(name)))
            {
                throw new TrainingArtifactException(
                    $"'{Artifacts.TrainingModel}' has no gradient output '{ArtifactNames.Gradient(name)}' for trainable tensor '{name}'.");
            }
        }

        int extra = PerExampleClipping ? 2 : 1;
        if (_training.OutputMetadata.Count != trainable.Count + extra)
        {
            throw new TrainingArtifactException(
                $"'{Artifacts.TrainingModel}' computes {_training.OutputMetadata.Count - extra} gradients but the checkpoint trains {trainable.Count} tensors.");
        }
    }

    private OrtIoBinding BuildOptimizerBinding()
    {
        var binding = Own(_optimizer.CreateIoBinding());
        binding.BindInput(ArtifactNames.LearningRate, Own(OrtValue.CreateTensorValueFromMemory(_learningRate, [])));
        binding.BindInput(ArtifactNames.Step, Own(OrtValue.CreateTensorValueFromMemory(_step, [])));
        var stateValues = Values(Checkpoint.OptimizerState);
        var updatedValues = Values(_updatedParameters);
        var updatedStateValues = Values(_updatedState);
        var stateLayout = Checkpoint.OptimizerState.Layout;
        for (int i = 0; i < _trainableIndex.Length; i++)
        {
            string name = Checkpoint.Trainable[i];
            binding.BindInput(name, _parameterValues[_trainableIndex[i]]);
            binding.BindInput(ArtifactNames.Gradient(name), _gradientValues[i]);
            binding.BindOutput(ArtifactNames.Updated(name), updatedValues[i]);
        }

        for (int s = 0; s < stateLayout.Count; s++)
        {
            string stateName = stateLayout.Tensors[s].Name;
            binding.BindInput(stateName, stateValues[s]);
            binding.BindOutput(ArtifactNames.Updated(stateName), updatedStateValues[s]);
        }

        return binding;
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
        binding.BindInput(ArtifactNames.Labels, Own(OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, _labels.AsMemory(0, n), [n])));
        for (int i = 0; i < _parameterValues.Length; i++)
        {
            binding.BindInput(Checkpoint.Parameters.Layout.Tensors[i].Name, _parameterValues[i]);
        }

        if (training)
        {
            binding.BindOutput(ArtifactNames.Loss, Own(OrtValue.CreateTensorValueFromMemory(_loss, [])));
            for (int i = 0; i < _gradientValues.Length; i++)
            {
                binding.BindOutput(ArtifactNames.Gradient(Gradients.Layout.Tensors[i].Name), _gradientValues[i]);
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
                binding.BindInput(ArtifactNames.ClipNorm, Own(OrtValue.CreateTensorValueFromMemory(_clipNorm, [])));
                binding.BindOutput(ArtifactNames.PerExampleNorms, Own(OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, _perExampleNorms.AsMemory(0, n), [n])));
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
