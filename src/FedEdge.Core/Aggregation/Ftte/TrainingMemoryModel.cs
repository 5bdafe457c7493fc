using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.Ftte;

/// <summary>
/// A deliberately simple model of the bytes a device needs to train k of a layout's N parameters
/// (float32 throughout):
/// <code>
///   bytes(k) = 4·N                       every weight, trainable or frozen, is resident for the forward pass
///            + ActivationBytes           activations kept for backward + their gradients (per batch)
///            + OverheadBytes             runtime, session, I/O buffers (measured per device class)
///            + k · (4·(3 + slots))       per trainable parameter: its gradient, `slots` optimizer states
///                                        (SGD 0, momentum 1, AdamW 2), the base value Δ = local − base needs,
///                                        and its int32 index in the sparse subset
/// </code>
/// So with AdamW a trainable parameter costs 20 bytes on top of its 4 resident bytes. The service evaluates it
/// per memory class; calibrate <see cref="OverheadBytes"/> from measurements on the device.
/// </summary>
/// <param name="OptimizerStateSlots">Float32 states per trainable parameter (AdamW: 2; SGD with momentum: 1; SGD: 0).</param>
/// <param name="ActivationBytes">Bytes of activations and activation gradients for one batch (see <see cref="ActivationBytesFor"/>).</param>
/// <param name="OverheadBytes">Fixed runtime overhead.</param>
public sealed record TrainingMemoryModel(int OptimizerStateSlots = 2, long ActivationBytes = 0, long OverheadBytes = 0)
{
    private const int BytesPerValue = sizeof(float);

    /// <summary>The model the server plans with (AdamW, no activation or overhead term): FTTE's subset and whether a class trains dense.</summary>
    public static TrainingMemoryModel Default { get; } = new();

    /// <summary>Bytes per trainable parameter beyond its resident weight: 4·(3 + slots).</summary>
    public long BytesPerTrainable => BytesPerValue * (3L + OptimizerStateSlots);

    /// <summary>Bytes needed whatever is trained: resident weights + activations + overhead.</summary>
    public long FixedBytes(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Check();
        return checked((BytesPerValue * (long)layout.TotalLength) + ActivationBytes + OverheadBytes);
    }

    /// <summary>bytes(k) for <paramref name="trainable"/> trainable parameters.</summary>
    public long RequiredBytes(ParameterLayout layout, int trainable)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trainable);
        return checked(FixedBytes(layout) + (trainable * BytesPerTrainable));
    }

    /// <summary>The largest k with bytes(k) ≤ <paramref name="budgetBytes"/>, at most N; 0 if not even the fixed part fits.</summary>
    public int MaxTrainable(ParameterLayout layout, long budgetBytes)
    {
        long spare = budgetBytes - FixedBytes(layout);
        if (spare < BytesPerTrainable)
        {
            return 0;
        }

        return (int)Math.Min(layout.TotalLength, spare / BytesPerTrainable);
    }

    /// <summary>
    /// 2 · 4 · batch · Σ widths: every layer's output for a batch is kept for the backward pass and its gradient
    /// is materialised once (an upper bound for an MLP; pass the input width too if the input is copied).
    /// </summary>
    public static long ActivationBytesFor(int batchSize, IReadOnlyList<int> layerWidths)
    {
        ArgumentNullException.ThrowIfNull(layerWidths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        long sum = 0;
        foreach (int w in layerWidths)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(w);
            sum += w;
        }

        return checked(2L * BytesPerValue * batchSize * sum);
    }

    private void Check()
    {
        if (OptimizerStateSlots < 0 || ActivationBytes < 0 || OverheadBytes < 0)
        {
            throw new ArgumentException($"The memory model has a negative term: {this}.");
        }
    }
}
