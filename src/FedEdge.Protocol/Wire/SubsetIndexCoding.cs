using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;
using Google.Protobuf;

namespace FedEdge.Protocol.Wire;

/// <summary>
/// Converts between Core's <see cref="ParameterSubset"/> and the wire's <see cref="SubsetAssignment"/>:
/// sorted indices travel as gaps (index[0], then index[i] − index[i−1] ≥ 1) so that the dense
/// subsets FTTE assigns cost about one varint byte per index; the subset id is the subset's
/// <see cref="ParameterSubset.ContentHash"/>, recomputed on receipt.
/// </summary>
public static class SubsetIndexCoding
{
    private const int HashChunk = 256;

    /// <summary>The assignment of <paramref name="subset"/> to <paramref name="memoryClass"/>.</summary>
    public static SubsetAssignment ToAssignment(string memoryClass, ParameterSubset subset)
    {
        ArgumentNullException.ThrowIfNull(subset);
        var assignment = new SubsetAssignment
        {
            MemoryClass = memoryClass,
            SubsetId = ByteString.CopyFrom(subset.ContentHash),
        };
        ReadOnlySpan<int> indices = subset.Indices;
        int previous = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            assignment.IndexDeltas.Add((uint)(indices[i] - previous));
            previous = indices[i];
        }

        return assignment;
    }

    /// <summary>The assignment "train every parameter" for <paramref name="memoryClass"/> (empty id and indices).</summary>
    public static SubsetAssignment AllParameters(string memoryClass) => new() { MemoryClass = memoryClass };

    /// <summary>Whether the assignment means "all parameters".</summary>
    public static bool IsAll(SubsetAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return assignment.SubsetId.IsEmpty && assignment.IndexDeltas.Count == 0;
    }

    /// <summary>
    /// Rebuilds the subset over a buffer of <paramref name="totalLength"/> elements. Succeeds with a
    /// null <paramref name="subset"/> for an "all parameters" assignment.
    /// </summary>
    public static bool TryToSubset(SubsetAssignment assignment, int totalLength, out ParameterSubset? subset, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        subset = null;
        error = Check(assignment);
        if (error is not null || IsAll(assignment))
        {
            return error is null;
        }

        var indices = new int[assignment.IndexDeltas.Count];
        long index = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            index += assignment.IndexDeltas[i];
            indices[i] = (int)index;
        }

        return ParameterSubset.TryCreate(indices, totalLength, out subset, out error);
    }

    /// <summary>
    /// Null when the deltas form a strictly increasing index set within Core's element bound whose
    /// SHA-256 equals the subset id (or both are empty); otherwise why not.
    /// </summary>
    internal static string? Check(SubsetAssignment assignment)
    {
        bool emptyId = assignment.SubsetId.IsEmpty;
        int count = assignment.IndexDeltas.Count;
        if (emptyId || count == 0)
        {
            return emptyId && count == 0 ? null : "subset_id and index_deltas must both be empty (all parameters) or both be set";
        }

        if (assignment.SubsetId.Length != ParameterSubset.HashSize)
        {
            return string.Create(CultureInfo.InvariantCulture, $"subset_id is {assignment.SubsetId.Length} bytes (a SHA-256 content hash is {ParameterSubset.HashSize})");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> chunk = stackalloc byte[4 * HashChunk];
        int filled = 0;
        long index = 0;
        for (int i = 0; i < count; i++)
        {
            uint delta = assignment.IndexDeltas[i];
            if (i > 0 && delta == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"index delta {i} is 0: indices must be strictly increasing");
            }

            index += delta;
            if (index >= TensorSpec.MaxElements)
            {
                return string.Create(CultureInfo.InvariantCulture, $"index {i} exceeds the largest parameter index {TensorSpec.MaxElements - 1}");
            }

            BinaryPrimitives.WriteInt32LittleEndian(chunk[(4 * filled)..], (int)index);
            if (++filled == HashChunk)
            {
                hash.AppendData(chunk);
                filled = 0;
            }
        }

        hash.AppendData(chunk[..(4 * filled)]);
        Span<byte> digest = stackalloc byte[ParameterSubset.HashSize];
        hash.GetHashAndReset(digest);
        return digest.SequenceEqual(assignment.SubsetId.Span) ? null : "subset_id is not the SHA-256 of the indices";
    }
}
