using System.Buffers.Binary;
using System.Globalization;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// FTTE sparse-subset encoding: the server assigned an explicit <see cref="ParameterSubset"/>; the
/// device sends only the float32 values at those indices, preceded by their count and the subset's
/// SHA-256 so the aggregator can check it holds the same index set. Payload = header + uint32 m +
/// 32-byte hash + 4·m bytes. Decoding writes zeros outside the subset.
/// </summary>
public sealed class SparseSubsetCodec : IUpdateCodec
{
    private const int PrefixSize = 4 + ParameterSubset.HashSize;

    /// <summary>Creates the codec for one assignment.</summary>
    public SparseSubsetCodec(ParameterSubset subset)
    {
        ArgumentNullException.ThrowIfNull(subset);
        Subset = subset;
    }

    /// <summary>The assigned index set.</summary>
    public ParameterSubset Subset { get; }

    /// <inheritdoc/>
    public UpdateEncoding Encoding => UpdateEncoding.SparseSubset;

    /// <inheritdoc/>
    public int MaxEncodedSize(ParameterLayout layout)
    {
        CheckLayout(layout);
        return checked(UpdateHeader.Size + PrefixSize + (4 * Subset.Count));
    }

    /// <inheritdoc/>
    public int Encode(ReadOnlySpan<float> update, ParameterLayout layout, Span<byte> destination)
    {
        int size = MaxEncodedSize(layout);
        CodecArguments.CheckEncode(update, layout, destination, size);
        var indices = Subset.Indices;
        for (int i = 0; i < indices.Length; i++)
        {
            if (!float.IsFinite(update[indices[i]]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"The update value at subset index {indices[i]} is {update[indices[i]]}; only finite updates can be encoded."),
                    nameof(update));
            }
        }

        UpdateHeader.Write(destination, Encoding, layout);
        var body = destination[UpdateHeader.Size..];
        BinaryPrimitives.WriteUInt32LittleEndian(body, (uint)indices.Length);
        Subset.ContentHash.CopyTo(body[4..]);
        var values = body[PrefixSize..];
        for (int i = 0; i < indices.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(values[(4 * i)..], update[indices[i]]);
        }

        return size;
    }

    /// <inheritdoc/>
    public DecodeResult TryDecode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination)
    {
        CheckLayout(layout);
        CodecArguments.CheckDecode(layout, destination);
        var result = UpdateHeader.Validate(payload, Encoding, layout);
        if (!result.Succeeded)
        {
            return result;
        }

        if (payload.Length < UpdateHeader.Size + PrefixSize)
        {
            return UpdateHeader.Fail(CodecError.Truncated, $"payload truncated: expected at least {UpdateHeader.Size + PrefixSize} bytes, got {payload.Length}");
        }

        var body = payload[UpdateHeader.Size..];
        uint m = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if (m > (uint)layout.TotalLength)
        {
            return UpdateHeader.Fail(CodecError.CountOutOfRange, $"payload claims {m} values but the layout has only {layout.TotalLength} elements");
        }

        if (m != (uint)Subset.Count)
        {
            return UpdateHeader.Fail(CodecError.SubsetMismatch, $"payload carries {m} values but the assigned subset has {Subset.Count}");
        }

        var hash = body.Slice(4, ParameterSubset.HashSize);
        if (!Subset.HasContentHash(hash))
        {
            return UpdateHeader.Fail(CodecError.SubsetMismatch, $"payload is for subset sha256 {Convert.ToHexStringLower(hash[..8])}… but the assigned subset is {Convert.ToHexStringLower(Subset.ContentHash[..8])}…");
        }

        result = UpdateHeader.CheckLength(payload.Length, UpdateHeader.Size + PrefixSize + (4L * m));
        if (!result.Succeeded)
        {
            return result;
        }

        var values = body[PrefixSize..];
        var indices = Subset.Indices;
        for (int i = 0; i < indices.Length; i++)
        {
            float value = BinaryPrimitives.ReadSingleLittleEndian(values[(4 * i)..]);
            if (!float.IsFinite(value))
            {
                return UpdateHeader.Fail(CodecError.NonFiniteValue, $"subset value {i} (index {indices[i]}) is {value}");
            }
        }

        destination.Clear();
        for (int i = 0; i < indices.Length; i++)
        {
            destination[indices[i]] = BinaryPrimitives.ReadSingleLittleEndian(values[(4 * i)..]);
        }

        return DecodeResult.Success;
    }

    /// <inheritdoc/>
    public void Decode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination) =>
        TryDecode(payload, layout, destination).ThrowIfFailed();

    private void CheckLayout(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.TotalLength != Subset.TotalLength)
        {
            throw new ArgumentException($"The subset is over {Subset.TotalLength} elements but the layout has {layout.TotalLength}.", nameof(layout));
        }
    }
}
