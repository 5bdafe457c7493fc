using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// A server-assigned sparse set of coordinates (FTTE): sorted, unique indices into a layout's flat
/// buffer, with a stable content hash — SHA-256 of the indices as little-endian int32 — that device
/// and aggregator compare to be sure they mean the same set. Immutable.
/// </summary>
public sealed class ParameterSubset : IEquatable<ParameterSubset>
{
    /// <summary>Length of <see cref="ContentHash"/> in bytes.</summary>
    public const int HashSize = SHA256.HashSizeInBytes;

    private readonly int[] _indices;
    private readonly byte[] _hash;

    /// <summary>Creates a subset of a buffer of <paramref name="totalLength"/> elements.</summary>
    /// <exception cref="ArgumentException">Indices are empty, unsorted, duplicated or out of range.</exception>
    public ParameterSubset(ReadOnlySpan<int> indices, int totalLength)
    {
        string? error = Validate(indices, totalLength);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(indices));
        }

        _indices = indices.ToArray();
        TotalLength = totalLength;
        _hash = new byte[HashSize];
        if (BitConverter.IsLittleEndian)
        {
            SHA256.HashData(MemoryMarshal.AsBytes(indices), _hash);
        }
        else
        {
            byte[] bytes = new byte[4 * indices.Length];
            for (int i = 0; i < indices.Length; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), indices[i]);
            }

            SHA256.HashData(bytes, _hash);
        }
    }

    /// <summary>Number of elements of the full buffer the indices point into.</summary>
    public int TotalLength { get; }

    /// <summary>Number of indices.</summary>
    public int Count => _indices.Length;

    /// <summary>The indices, strictly increasing.</summary>
    public ReadOnlySpan<int> Indices => _indices;

    /// <summary>SHA-256 of the indices as little-endian int32.</summary>
    public ReadOnlySpan<byte> ContentHash => _hash;

    /// <summary>Creates a subset of <paramref name="layout"/>'s flat buffer.</summary>
    public static ParameterSubset For(ParameterLayout layout, ReadOnlySpan<int> indices)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new ParameterSubset(indices, layout.TotalLength);
    }

    /// <summary>Creates a subset from indices received from outside; <paramref name="error"/> says what was wrong.</summary>
    public static bool TryCreate(
        ReadOnlySpan<int> indices,
        int totalLength,
        [NotNullWhen(true)] out ParameterSubset? subset,
        [NotNullWhen(false)] out string? error)
    {
        error = Validate(indices, totalLength);
        subset = error is null ? new ParameterSubset(indices, totalLength) : null;
        return subset is not null;
    }

    /// <summary>Whether <paramref name="hash"/> is this subset's content hash.</summary>
    public bool HasContentHash(ReadOnlySpan<byte> hash) => hash.SequenceEqual(_hash);

    /// <summary>values[i] ← full[indices[i]].</summary>
    public void Gather(ReadOnlySpan<float> full, Span<float> values)
    {
        CheckLengths(full.Length, values.Length, nameof(full), nameof(values));
        for (int i = 0; i < _indices.Length; i++)
        {
            values[i] = full[_indices[i]];
        }
    }

    /// <summary>full[indices[i]] ← values[i]; other elements of <paramref name="full"/> are left as they are.</summary>
    public void Scatter(ReadOnlySpan<float> values, Span<float> full)
    {
        CheckLengths(full.Length, values.Length, nameof(full), nameof(values));
        for (int i = 0; i < _indices.Length; i++)
        {
            full[_indices[i]] = values[i];
        }
    }

    /// <inheritdoc/>
    public bool Equals(ParameterSubset? other) =>
        other is not null && TotalLength == other.TotalLength && _indices.AsSpan().SequenceEqual(other._indices);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ParameterSubset);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(TotalLength, BinaryPrimitives.ReadInt32LittleEndian(_hash));

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Count} of {TotalLength} coordinates, sha256 {Convert.ToHexStringLower(_hash, 0, 8)}…");

    private static string? Validate(ReadOnlySpan<int> indices, int totalLength)
    {
        if (totalLength <= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"The total length must be positive, got {totalLength}.");
        }

        if (indices.IsEmpty)
        {
            return "A subset needs at least one index.";
        }

        int previous = -1;
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if (index < 0 || index >= totalLength)
            {
                return string.Create(CultureInfo.InvariantCulture, $"Index {index} at position {i} is out of range 0..{totalLength - 1}.");
            }

            if (index <= previous)
            {
                return string.Create(CultureInfo.InvariantCulture, $"Index {index} at position {i} does not follow {previous}: indices must be sorted and unique.");
            }

            previous = index;
        }

        return null;
    }

    private void CheckLengths(int fullLength, int valuesLength, string fullName, string valuesName)
    {
        if (fullLength != TotalLength)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The full buffer has {fullLength} elements but the subset is over {TotalLength}."), fullName);
        }

        if (valuesLength != _indices.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The values buffer has {valuesLength} elements but the subset has {_indices.Length}."), valuesName);
        }
    }
}
