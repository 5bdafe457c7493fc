using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// Unbiased stochastic int8 quantisation per tensor (QSGD-style stochastic rounding, Alistarh et
/// al. 2017 §3.1, with s = 127 levels per sign): scale sₜ = max|xₜ| / 127, qᵢ = ⌊xᵢ/sₜ + uᵢ⌋ with
/// uᵢ ~ U[0,1), decoded as qᵢ·sₜ. Because P(q = ⌊y⌋+1) = y − ⌊y⌋, E[q] = y, so E[decode] = x and
/// |decode − x| &lt; sₜ. Payload = header + 4 bytes of float32 scale per tensor + 1 byte per element.
/// </summary>
/// <remarks>
/// The scale is nudged up by ulps until max|x|/s ≤ 127 in the same double division used to
/// quantise, so |x/s| ≤ 127 for every element and the clamp to [−127, 127] only catches x/s + u
/// rounding up to 128 in its last double ulp; the estimator is unbiased up to double rounding
/// (~2⁻⁴⁶·s). The uniform draws come from a SplitMix64 stream seeded per tensor by the injected
/// <see cref="Random"/>; encoding is therefore not thread-safe (decoding is). The noise
/// this adds is not a privacy mechanism — DP noise is added before encoding.
/// </remarks>
public sealed class Int8StochasticCodec : IUpdateCodec
{
    private const int Levels = 127;
    private readonly Random? _random;

    /// <summary>Creates the codec over a source of uniform draws (a seeded <see cref="Random"/> in tests).</summary>
    public Int8StochasticCodec(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
    }

    private Int8StochasticCodec()
    {
    }

    /// <summary>A codec that only decodes (decoding draws nothing): encoding with it throws <see cref="InvalidOperationException"/>.</summary>
    public static Int8StochasticCodec DecodeOnly() => new();

    /// <inheritdoc/>
    public UpdateEncoding Encoding => UpdateEncoding.Int8Stochastic;

    /// <inheritdoc/>
    public int MaxEncodedSize(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return checked(UpdateHeader.Size + (4 * layout.Count) + layout.TotalLength);
    }

    /// <summary>The scale the codec uses for a tensor whose largest magnitude is <paramref name="maxMagnitude"/>.</summary>
    public static float ScaleFor(float maxMagnitude) => StochasticRounding.ScaleFor(maxMagnitude, Levels);

    /// <inheritdoc/>
    public int Encode(ReadOnlySpan<float> update, ParameterLayout layout, Span<byte> destination)
    {
        int size = MaxEncodedSize(layout);
        CodecArguments.CheckEncode(update, layout, destination, size);
        CodecArguments.CheckFinite(update, nameof(update));
        UpdateHeader.Write(destination, Encoding, layout);
        var scales = destination.Slice(UpdateHeader.Size, 4 * layout.Count);
        var quantised = MemoryMarshal.Cast<byte, sbyte>(destination.Slice(UpdateHeader.Size + scales.Length, update.Length));
        for (int t = 0; t < layout.Count; t++)
        {
            int offset = layout.OffsetOf(t);
            var x = update.Slice(offset, layout.Tensors[t].Length);
            var q = quantised.Slice(offset, x.Length);
            float scale = ScaleFor(Math.Abs(TensorPrimitives.MaxMagnitude(x)));
            if (!float.IsFinite(scale * Levels))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(update),
                    string.Create(CultureInfo.InvariantCulture, $"Tensor '{layout.Tensors[t].Name}' has values too close to float.MaxValue to quantise."));
            }

            BinaryPrimitives.WriteSingleLittleEndian(scales[(4 * t)..], scale);
            if (scale == 0f)
            {
                q.Clear();
                continue;
            }

            Quantise(x, scale, q);
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

        long expected = UpdateHeader.Size + (4L * layout.Count) + layout.TotalLength;
        result = UpdateHeader.CheckLength(payload.Length, expected);
        if (!result.Succeeded)
        {
            return result;
        }

        var scales = payload.Slice(UpdateHeader.Size, 4 * layout.Count);
        var quantised = payload[(UpdateHeader.Size + scales.Length)..];
        for (int t = 0; t < layout.Count; t++)
        {
            float scale = BinaryPrimitives.ReadSingleLittleEndian(scales[(4 * t)..]);
            string name = layout.Tensors[t].Name;
            if (!float.IsFinite(scale))
            {
                return UpdateHeader.Fail(CodecError.InvalidScale, $"scale of tensor '{name}' is {scale}");
            }

            if (scale < 0f)
            {
                return UpdateHeader.Fail(CodecError.InvalidScale, $"scale of tensor '{name}' is negative ({scale})");
            }

            if (!float.IsFinite(scale * Levels))
            {
                return UpdateHeader.Fail(CodecError.InvalidScale, $"scale of tensor '{name}' is {scale}: 127·scale overflows float32");
            }
        }

        // -128 (0x80) is the one int8 value the symmetric range excludes; IndexOf is vectorised.
        int bad = quantised.IndexOf((byte)0x80);
        if (bad >= 0)
        {
            return UpdateHeader.Fail(CodecError.QuantisedValueOutOfRange, $"int8 value -128 at index {bad} is outside -{Levels}..{Levels}");
        }

        var q = MemoryMarshal.Cast<byte, sbyte>(quantised);
        for (int t = 0; t < layout.Count; t++)
        {
            int offset = layout.OffsetOf(t);
            var target = destination.Slice(offset, layout.Tensors[t].Length);
            TensorPrimitives.ConvertTruncating(q.Slice(offset, target.Length), target);
            TensorPrimitives.Multiply(target, BinaryPrimitives.ReadSingleLittleEndian(scales[(4 * t)..]), target);
        }

        return DecodeResult.Success;
    }

    /// <inheritdoc/>
    public void Decode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination) =>
        TryDecode(payload, layout, destination).ThrowIfFailed();

    private void Quantise(ReadOnlySpan<float> x, float scale, Span<sbyte> q)
    {
        var random = _random ?? throw new InvalidOperationException("This Int8StochasticCodec was created to decode only; encoding needs a source of uniform draws.");
        var sink = new SByteSink(q);
        StochasticRounding.Quantise(x, scale, Levels, random, ref sink);
    }

    private readonly ref struct SByteSink(Span<sbyte> target) : StochasticRounding.ILevelSink
    {
        private readonly Span<sbyte> _target = target;

        public void Write(int index, int level) => _target[index] = (sbyte)level;
    }
}
