using FedEdge.Sensors.Features;
using System.Diagnostics.CodeAnalysis;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Device.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Simulated;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FedEdge.Device.Prediction;

/// <summary>
/// Runs one verified global model for inference: the inference-only ONNX export
/// (<see cref="TrainingArtifactGenerator.InferenceModelBytes"/>, weights as initializers, softmax
/// output) on the stock ONNX Runtime. Features must already be standardised with the fleet-wide
/// scaling (<see cref="SmartHomeSchema"/>), as in training. Not thread-safe.
/// </summary>
public sealed class ActivityClassifier : IDisposable
{
    /// <summary>The model source reported with predictions of the global model.</summary>
    public const string GlobalModelSource = "global";

    /// <summary>The model source reported with predictions of the device's personal model.</summary>
    public const string PersonalModelSource = "personal";

    private readonly InferenceSession _session;
    private readonly IReadOnlyList<string> _classNames;
    private readonly float[] _input;
    private readonly int[] _shape;

    private ActivityClassifier(InferenceSession session, ModelArchitecture architecture, ulong version, IReadOnlyList<string> classNames, string source = GlobalModelSource)
    {
        Source = source;
        _session = session;
        Architecture = architecture;
        ModelVersion = version;
        _classNames = classNames;
        _input = new float[architecture.Inputs];
        _shape = [1, architecture.Inputs];
    }

    /// <summary>The model's architecture.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>Which model it runs: <see cref="GlobalModelSource"/> or <see cref="PersonalModelSource"/>.</summary>
    public string Source { get; }

    /// <summary>The global model version this classifier runs (for a personal model: the version it is based on).</summary>
    public ulong ModelVersion { get; }

    /// <summary>
    /// Builds a classifier for <paramref name="model"/> (already verified). Returns false with a
    /// reason when the architecture does not parse, the parameters do not decode, or the model has
    /// more classes than <paramref name="classNames"/> names.
    /// </summary>
    public static bool TryCreate(GlobalModel model, IReadOnlyList<string> classNames, [NotNullWhen(true)] out ActivityClassifier? classifier, out string problem)
    {
        ArgumentNullException.ThrowIfNull(model);
        classifier = null;
        return InstalledModel.TryDecode(model, "all", out var installed, out problem) && TryCreate(installed, classNames, out classifier, out problem);
    }

    /// <summary>A classifier over the installed global model (already decoded; nothing is decoded again).</summary>
    public static bool TryCreate(InstalledModel installed, IReadOnlyList<string> classNames, [NotNullWhen(true)] out ActivityClassifier? classifier, out string problem)
    {
        ArgumentNullException.ThrowIfNull(installed);
        ArgumentNullException.ThrowIfNull(classNames);
        classifier = null;
        var architecture = installed.Architecture;
        if (architecture.Classes > classNames.Count)
        {
            problem = $"model {architecture} has {architecture.Classes} classes but only {classNames.Count} class names are known";
            return false;
        }

        classifier = Create(architecture, installed.Parameters, installed.Version, GlobalModelSource, classNames);
        problem = string.Empty;
        return true;
    }

    /// <summary>
    /// Builds a classifier for full, already decoded <paramref name="parameters"/> (the personal
    /// model composed over global model <paramref name="version"/>); predictions say <paramref name="source"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The parameters do not fit the architecture, or there are more classes than names.</exception>
    public static ActivityClassifier Create(ModelArchitecture architecture, ParameterSet parameters, ulong version, string source, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(classNames);
        if (!parameters.Layout.Equals(architecture.Layout))
        {
            throw new ArgumentException($"Parameters [{parameters.Layout}] do not fit {architecture}.", nameof(parameters));
        }

        if (architecture.Classes > classNames.Count)
        {
            throw new ArgumentException($"Model {architecture} has {architecture.Classes} classes but only {classNames.Count} class names are known.", nameof(classNames));
        }

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        var session = OrtSessions.Open(TrainingArtifactGenerator.InferenceModelBytes(architecture, parameters), options);
        return new ActivityClassifier(session, architecture, version, classNames, source);
    }

    /// <summary>Predicts the class of one standardised feature vector observed at <paramref name="time"/>.</summary>
    /// <exception cref="ArgumentException">The vector has the wrong length or a non-finite value.</exception>
    public ActivityPrediction Predict(ReadOnlySpan<float> features, DateTimeOffset time)
    {
        if (features.Length != Architecture.Inputs)
        {
            throw new ArgumentException($"The model takes {Architecture.Inputs} features, got {features.Length}.", nameof(features));
        }

        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw new ArgumentException($"Feature {i} is not finite.", nameof(features));
            }
        }

        features.CopyTo(_input);
        var tensor = new DenseTensor<float>(_input, _shape);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(ArtifactNames.Features, tensor)], [ArtifactNames.Probabilities]);
        var probabilities = results[0].AsTensor<float>();
        int best = 0;
        for (int c = 1; c < Architecture.Classes; c++)
        {
            if (probabilities[0, c] > probabilities[0, best])
            {
                best = c;
            }
        }

        return new ActivityPrediction(_classNames[best], best, probabilities[0, best], Source, ModelVersion, time);
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
