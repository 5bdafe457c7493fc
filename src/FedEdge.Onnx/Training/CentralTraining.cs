using FedEdge.Core.Data;

namespace FedEdge.Onnx.Training;

/// <summary>
/// Centralised mini-batch training: shuffled epochs over one data set. The baseline every
/// federated run is compared with, and the loop a device runs over its local samples.
/// </summary>
public static class CentralTraining
{
    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs of shuffled mini-batches (the last batch of an
    /// epoch may be smaller). <paramref name="onEpoch"/> sees the epoch number and mean batch loss.
    /// </summary>
    public static void Run(
        OrtTrainer trainer,
        Dataset train,
        int epochs,
        int batchSize,
        float learningRate,
        Random random,
        Action<int, double>? onEpoch = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 0);
        if (batchSize < 1 || batchSize > trainer.Options.MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"The batch size must be in 1..{trainer.Options.MaxBatchSize}.");
        }

        if (train.Count == 0)
        {
            throw new ArgumentException("The training set is empty.", nameof(train));
        }

        int[] order = new int[train.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < order.Length; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(batchSize, order.Length - start);
                lossSum += trainer.TrainStep(train, order.AsSpan(start, n), learningRate);
                batches++;
            }

            onEpoch?.Invoke(epoch, lossSum / batches);
        }
    }
}
