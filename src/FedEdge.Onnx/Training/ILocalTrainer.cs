using FedEdge.Core.Data;
using FedEdge.Core.Parameters;

namespace FedEdge.Onnx.Training;

/// <summary>
/// What a device's local training needs of a trainer: the full parameter vector to start from and read the result
/// of, a fresh optimizer, and a step. <see cref="OrtTrainer"/> trains whole tensors; <see cref="SubsetTrainer"/>
/// trains an FTTE subset of coordinates and leaves every other coordinate of <see cref="Parameters"/> untouched.
/// </summary>
public interface ILocalTrainer
{
    /// <summary>All parameters (trained and frozen), updated in place by <see cref="TrainStep"/>.</summary>
    ParameterSet Parameters { get; }

    /// <summary>Zeroes the optimizer state and the step count (a contribution starts from the global model, not from the last one).</summary>
    void ResetOptimizer();

    /// <summary>One gradient step and one optimizer step on the given rows; returns the batch loss before the update.</summary>
    float TrainStep(Dataset data, ReadOnlySpan<int> rows, float learningRate);
}
