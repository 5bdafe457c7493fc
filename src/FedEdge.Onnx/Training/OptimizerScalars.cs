using FedEdge.Onnx.Artifacts;
using Microsoft.ML.OnnxRuntime;

namespace FedEdge.Onnx.Training;

/// <summary>
/// The scalar inputs of an optimizer graph (<see cref="Graphs.ModelGraphs"/>' optimizer: learning rate, and for AdamW
/// the bias-corrected step size, ε̂ and the decoupled decay factor), each a one-element buffer bound once and rewritten
/// before every step, so a step allocates nothing. Shared by <see cref="OrtTrainer"/> and <see cref="SubsetTrainer"/>.
/// </summary>
internal sealed class OptimizerScalars
{
    private readonly float[] _learningRate = new float[1];
    private readonly float[] _stepSize = new float[1];
    private readonly float[] _epsilonHat = new float[1];
    private readonly float[] _decay = new float[1];

    /// <summary>
    /// Sets the scalars for the step after <paramref name="stepsDone"/> steps: αₜ = η·√(1−β₂ᵗ)/(1−β₁ᵗ), ε̂ₜ = ε·√(1−β₂ᵗ)
    /// and 1 − η·λ, computed in double (exact rescalings of AdamW's bias corrections that depend only on η and t).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative or not finite.</exception>
    public void Set(float learningRate, OptimizerSettings settings, long stepsDone)
    {
        if (!(learningRate >= 0) || !float.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be finite and non-negative.");
        }

        _learningRate[0] = learningRate;
        if (settings.Kind == OptimizerKind.AdamW)
        {
            long t = stepsDone + 1;
            double firstCorrection = 1 - Math.Pow(settings.Beta1, t);
            double rootSecondCorrection = Math.Sqrt(1 - Math.Pow(settings.Beta2, t));
            _stepSize[0] = (float)(learningRate * rootSecondCorrection / firstCorrection);
            _epsilonHat[0] = (float)(settings.Epsilon * rootSecondCorrection);
            _decay[0] = (float)(1 - ((double)learningRate * settings.WeightDecay));
        }
    }

    /// <summary>Binds each scalar the optimizer graph declares as an input; <paramref name="own"/> takes the values' ownership.</summary>
    public void BindTo(InferenceSession optimizer, OrtIoBinding binding, Func<OrtValue, OrtValue> own)
    {
        foreach (var (name, values) in new[]
        {
            (ArtifactNames.LearningRate, _learningRate), (ArtifactNames.StepSize, _stepSize),
            (ArtifactNames.EpsilonHat, _epsilonHat), (ArtifactNames.Decay, _decay),
        })
        {
            if (optimizer.InputMetadata.ContainsKey(name))
            {
                binding.BindInput(name, own(OrtValue.CreateTensorValueFromMemory(values, [])));
            }
        }
    }
}
