using FedEdge.Core.Codecs;
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
/// <para>
/// A subset S of fewer than N coordinates is trained by the subset graph (FedEdge.Onnx's <c>ModelGraphs.SubsetTraining</c>),
/// which forms a gradient G_T for every tensor T that S touches before it picks S's coordinates out of it: the whole
/// ∂L/∂T, or for a weight S covers in part only the columns or rows S touches (<see cref="SubsetGradient"/>; |G_T| values).
/// <see cref="RequiredBytes(ParameterLayout, ParameterSubset)"/> charges those copies as 4·max(Σ|G_T|, 2·max|G_T|)
/// (<see cref="GradientCopyBytes(long, long)"/>): measured with ONNX Runtime (benchmarks' <c>footprint-ftte-copies</c>),
/// forming the gradient of one 1024×1024 weight matrix added about twice its size in anonymous memory, and a second one
/// added nothing more (the buffers are reused), so the largest copy counts twice and the sum of all of them bounds the
/// rest. Dense training (S = everything) has no such copies; its gradients are the per-trainable term.
/// </para>
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

    /// <summary>
    /// bytes(S): <see cref="RequiredBytes(ParameterLayout, int)"/> for |S| plus, when S is not the whole model, the
    /// gradient copies of the tensors S touches (<see cref="GradientCopyBytes(ParameterLayout, ReadOnlySpan{int})"/>).
    /// </summary>
    public long RequiredBytes(ParameterLayout layout, ParameterSubset subset)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(subset);
        if (subset.TotalLength != layout.TotalLength)
        {
            throw new ArgumentException($"The subset is over {subset.TotalLength} coordinates, the layout has {layout.TotalLength}.", nameof(subset));
        }

        long bytes = RequiredBytes(layout, subset.Count);
        return subset.Count == layout.TotalLength ? bytes : checked(bytes + GradientCopyBytes(layout, subset.Indices));
    }

    /// <summary>The gradient copies (<see cref="SubsetGradient"/>) of the tensors of <paramref name="layout"/> that the sorted <paramref name="indices"/> touch.</summary>
    public static long GradientCopyBytes(ParameterLayout layout, ReadOnlySpan<int> indices)
    {
        long sum = 0;
        long max = 0;
        foreach (var touched in SubsetGradient.ForSubset(layout, indices))
        {
            sum += touched.Gradient.Elements;
            max = Math.Max(max, touched.Gradient.Elements);
        }

        return GradientCopyBytes(sum, max);
    }

    /// <summary>4·max(Σ|G_T|, 2·max|G_T|) for gradient copies of <paramref name="totalLength"/> values in all, the largest <paramref name="largestLength"/>.</summary>
    public static long GradientCopyBytes(long totalLength, long largestLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalLength);
        ArgumentOutOfRangeException.ThrowIfNegative(largestLength);
        return checked(BytesPerValue * Math.Max(totalLength, 2 * largestLength));
    }

    /// <summary>Whether <paramref name="budgetBytes"/> holds training every coordinate: bytes(N) ≤ budget, i.e. <see cref="MaxTrainable"/> = N.</summary>
    public bool HoldsWholeModel(ParameterLayout layout, long budgetBytes)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return RequiredBytes(layout, layout.TotalLength) <= budgetBytes;
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
