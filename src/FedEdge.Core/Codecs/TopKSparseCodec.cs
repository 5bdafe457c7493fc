using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// Top-k sparsification: sends the k = ⌈fraction·n⌉ largest-magnitude coordinates as
/// (uint32 index, float32 value) pairs with strictly increasing indices. Payload = header +
/// uint32 k + 8·k bytes. Ties at the k-th magnitude go to the lowest indices, so exactly k pairs
/// are always sent.
/// </summary>
/// <remarks>
/// With an <see cref="ErrorFeedbackResidual"/> (device side) the codec compresses xₜ + eₜ and keeps
/// eₜ₊₁ = (xₜ + eₜ) − sent (Stich et al. 2018, Alg. 1; Karimireddy et al. 2019, Alg. 2), so nothing
/// is lost, only delayed: Σₜ sentₜ = Σₜ xₜ − e_T. The aggregator's instance needs no residual.
/// Plain indices, not deltas: at 4 bytes each a delta saves nothing without a variable-length
/// code, and plain indices are checkable one by one. Encoding borrows one scratch buffer from
/// <see cref="ArrayPool{T}.Shared"/>, so it allocates nothing in steady state.
/// </remarks>
public sealed class TopKSparseCodec : IUpdateCodec
{
    private const int CountSize = 4;
    private const int PairSize = 8;

    /// <summary>Creates the codec.</summary>
    /// <param name="fraction">Share of coordinates sent, in (0, 1].</param>
    /// <param name="residual">Device-side error-feedback memory, or null for no error feedback (the aggregator).</param>
    public TopKSparseCodec(double fraction, ErrorFeedbackResidual? residual = null)
    {
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The top-k fraction must be in (0, 1].");
        }

        Fraction = fraction;
        Residual = residual;
    }

    /// <summary>Share of coordinates sent.</summary>
    public double Fraction { get; }

    /// <summary>The error-feedback memory, when this is a device-side instance.</summary>
    public ErrorFeedbackResidual? Residual { get; }

    /// <inheritdoc/>
    public UpdateEncoding Encoding => UpdateEncoding.TopKSparse;

    /// <summary>
    /// k = ⌈fraction·n⌉. Computed in decimal so that e.g. 0.1·2410 is 241 and not 242 (the double
    /// product 0.1·n can land just above an integer).
    /// </summary>
    public int CoordinatesFor(int elementCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementCount);
        return (int)Math.Min(elementCount, Math.Ceiling((decimal)Fraction * elementCount));
    }

    /// <inheritdoc/>
    public int MaxEncodedSize(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return checked(UpdateHeader.Size + CountSize + (PairSize * CoordinatesFor(layout.TotalLength)));
    }

    /// <inheritdoc/>
    /// <remarks>With a residual, the residual is updated in place: after the call it holds (update + old residual) − sent.</remarks>
    public int Encode(ReadOnlySpan<float> update, ParameterLayout layout, Span<byte> destination)
    {
        int size = MaxEncodedSize(layout);
        CodecArguments.CheckEncode(update, layout, destination, size);
        CodecArguments.CheckFinite(update, nameof(update));
        ReadOnlySpan<float> corrected = update;
        Span<float> memory = default;
        if (Residual is not null)
        {
            if (!ReferenceEquals(Residual.Layout, layout) && !Residual.Layout.Equals(layout))
            {
                throw new ArgumentException($"The error-feedback residual is for layout [{Residual.Layout}], not [{layout}].", nameof(layout));
            }

            memory = Residual.Buffer;
            TensorPrimitives.Add(memory, update, memory);
            if (FloatSpans.IndexOfNonFinite(memory) >= 0)
            {
                throw new ArgumentException("update + residual overflowed float32; reset the residual.", nameof(update));
            }

            corrected = memory;
        }

        int k = CoordinatesFor(update.Length);
        float threshold = KthLargestMagnitude(corrected, k);
        int above = 0;
        foreach (float v in corrected)
        {
            if (Math.Abs(v) > threshold)
            {
                above++;
            }
        }

        int tiesToSend = k - above;
        UpdateHeader.Write(destination, Encoding, layout);
        var body = destination[UpdateHeader.Size..];
        BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)k);
        int offset = CountSize;
        for (int i = 0; i < corrected.Length; i++)
        {
            float v = corrected[i];
            float magnitude = Math.Abs(v);
            if (magnitude > threshold || (magnitude == threshold && tiesToSend-- > 0))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(body[offset..], (uint)i);
                BinaryPrimitives.WriteSingleLittleEndian(body[(offset + 4)..], v);
                offset += PairSize;
                if (!memory.IsEmpty)
                {
                    // Sent exactly, so the residual at i is (x + e) − (x + e) = 0.
                    memory[i] = 0f;
                }
            }
        }

        return size;
    }

    /// <inheritdoc/>
    public DecodeResult TryDecode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination)
    {
        CodecArguments.CheckDecode(layout, destination);
        var result = UpdateHeader.Validate(payload, Encoding, layout);
        if (!result.Succeeded)
        {
            return result;
        }

        if (payload.Length < UpdateHeader.Size + CountSize)
        {
            return UpdateHeader.Fail(CodecError.Truncated, $"payload truncated: expected at least {UpdateHeader.Size + CountSize} bytes, got {payload.Length}");
        }

        var body = payload[UpdateHeader.Size..];
        uint k = BinaryPrimitives.ReadUInt32LittleEndian(body);
        int n = layout.TotalLength;
        int maxK = CoordinatesFor(n);
        if (k > (uint)maxK)
        {
            return UpdateHeader.Fail(CodecError.CountOutOfRange, $"payload claims {k} coordinates but top-k at fraction {Fraction} of {n} allows at most {maxK}");
        }

        result = UpdateHeader.CheckLength(payload.Length, UpdateHeader.Size + CountSize + (PairSize * (long)k));
        if (!result.Succeeded)
        {
            return result;
        }

        var pairs = body.Slice(CountSize, PairSize * (int)k);
        long previous = -1;
        for (int p = 0; p < pairs.Length; p += PairSize)
        {
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(pairs[p..]);
            if (index >= (uint)n)
            {
                return UpdateHeader.Fail(CodecError.IndexOutOfRange, $"top-k index {index} out of range 0..{n - 1}");
            }

            if (index <= previous)
            {
                return UpdateHeader.Fail(CodecError.IndicesNotIncreasing, $"top-k index {index} at position {p / PairSize} does not follow {previous}: indices must be strictly increasing");
            }

            float value = BinaryPrimitives.ReadSingleLittleEndian(pairs[(p + 4)..]);
            if (!float.IsFinite(value))
            {
                return UpdateHeader.Fail(CodecError.NonFiniteValue, $"top-k value at index {index} is {value}");
            }

            previous = index;
        }

        destination.Clear();
        for (int p = 0; p < pairs.Length; p += PairSize)
        {
            int index = (int)BinaryPrimitives.ReadUInt32LittleEndian(pairs[p..]);
            destination[index] = BinaryPrimitives.ReadSingleLittleEndian(pairs[(p + 4)..]);
        }

        return DecodeResult.Success;
    }

    /// <inheritdoc/>
    public void Decode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination) =>
        TryDecode(payload, layout, destination).ThrowIfFailed();

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"top-k {Fraction:P1}{(Residual is null ? string.Empty : " with error feedback")}");

    private static float KthLargestMagnitude(ReadOnlySpan<float> values, int k)
    {
        float[] scratch = ArrayPool<float>.Shared.Rent(values.Length);
        try
        {
            var magnitudes = scratch.AsSpan(0, values.Length);
            TensorPrimitives.Abs(values, magnitudes);
            return MagnitudeSelection.KthLargest(magnitudes, k);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }
}
