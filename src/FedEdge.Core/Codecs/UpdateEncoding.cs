namespace FedEdge.Core.Codecs;

/// <summary>
/// How an update is encoded on the wire. The numeric value is the encoding byte of the payload
/// header, so values are never renumbered; a new codec gets a new value.
/// </summary>
public enum UpdateEncoding : byte
{
    /// <summary>No encoding; never valid in a payload.</summary>
    None = 0,

    /// <summary>Raw little-endian float32, 4 bytes per element (<see cref="DenseFloat32Codec"/>).</summary>
    DenseFloat32 = 1,

    /// <summary>IEEE 754 binary16, 2 bytes per element (<see cref="Float16Codec"/>).</summary>
    Float16 = 2,

    /// <summary>Unbiased stochastic int8 with one float32 scale per tensor (<see cref="Int8StochasticCodec"/>).</summary>
    Int8Stochastic = 3,

    /// <summary>The k largest-magnitude coordinates as (index, value) pairs (<see cref="TopKSparseCodec"/>).</summary>
    TopKSparse = 4,

    /// <summary>The values at a server-assigned index set, FTTE (<see cref="SparseSubsetCodec"/>).</summary>
    SparseSubset = 5,

    /// <summary>Unbiased stochastic 2-, 3- or 4-bit levels, packed, one float32 scale per tensor (<see cref="PackedStochasticCodec"/>).</summary>
    PackedStochastic = 6,
}
