using System.Diagnostics.CodeAnalysis;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// An immutable registry of codecs by <see cref="UpdateEncoding"/>: the device picks its configured
/// codec, the aggregator dispatches each payload on its header's encoding byte. Build one per
/// configuration (and a new one via <see cref="With"/> when an FTTE subset is assigned).
/// </summary>
public sealed class UpdateCodecs
{
    private readonly Dictionary<UpdateEncoding, IUpdateCodec> _codecs;

    /// <summary>Creates a registry; at most one codec per encoding.</summary>
    public UpdateCodecs(IEnumerable<IUpdateCodec> codecs)
    {
        ArgumentNullException.ThrowIfNull(codecs);
        _codecs = [];
        foreach (var codec in codecs)
        {
            ArgumentNullException.ThrowIfNull(codec, nameof(codecs));
            if (codec.Encoding == UpdateEncoding.None || !_codecs.TryAdd(codec.Encoding, codec))
            {
                throw new ArgumentException($"Encoding {codec.Encoding} is invalid or registered twice.", nameof(codecs));
            }
        }
    }

    /// <summary>The registered encodings.</summary>
    public IReadOnlyCollection<UpdateEncoding> Encodings => _codecs.Keys;

    /// <summary>
    /// The layout-only codecs: dense float32, float16, int8 stochastic (drawing from <paramref name="quantisationRandom"/>),
    /// top-k at <paramref name="topKFraction"/> (with error feedback into <paramref name="residual"/> when given, i.e. on a
    /// device) and packed stochastic at <paramref name="packedBits"/> bits (every width decodes).
    /// </summary>
    public static UpdateCodecs CreateStandard(Random quantisationRandom, double topKFraction, ErrorFeedbackResidual? residual = null, int packedBits = 3) =>
        new([
            new DenseFloat32Codec(),
            new Float16Codec(),
            new Int8StochasticCodec(quantisationRandom),
            new TopKSparseCodec(topKFraction, residual),
            new PackedStochasticCodec(packedBits, quantisationRandom),
        ]);

    /// <summary>
    /// The standard codecs for decoding only: decoding is deterministic, so unlike <see cref="CreateStandard"/> this needs no
    /// source of randomness (a device decoding a global model must not have to invent one).
    /// </summary>
    public static UpdateCodecs ForDecoding() =>
        new([
            new DenseFloat32Codec(),
            new Float16Codec(),
            Int8StochasticCodec.DecodeOnly(),
            new TopKSparseCodec(0.1),
            PackedStochasticCodec.DecodeOnly(),
        ]);

    /// <summary>Reads a payload's encoding byte after checking magic and version.</summary>
    public static DecodeResult TryReadEncoding(ReadOnlySpan<byte> payload, out UpdateEncoding encoding) =>
        UpdateHeader.TryReadEncoding(payload, out encoding);

    /// <summary>The codec for <paramref name="encoding"/>.</summary>
    /// <exception cref="KeyNotFoundException">None is registered.</exception>
    public IUpdateCodec Get(UpdateEncoding encoding) =>
        _codecs.TryGetValue(encoding, out var codec)
            ? codec
            : throw new KeyNotFoundException($"No codec is registered for {encoding} (registered: {string.Join(", ", _codecs.Keys)}).");

    /// <summary>The codec for <paramref name="encoding"/>, if registered.</summary>
    public bool TryGet(UpdateEncoding encoding, [NotNullWhen(true)] out IUpdateCodec? codec) =>
        _codecs.TryGetValue(encoding, out codec);

    /// <summary>A registry with <paramref name="codec"/> added, replacing any codec of the same encoding.</summary>
    public UpdateCodecs With(IUpdateCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        var codecs = new Dictionary<UpdateEncoding, IUpdateCodec>(_codecs) { [codec.Encoding] = codec };
        return new UpdateCodecs(codecs.Values);
    }

    /// <summary>Decodes a payload with the codec its header names.</summary>
    public DecodeResult TryDecode(ReadOnlySpan<byte> payload, ParameterLayout layout, Span<float> destination)
    {
        CodecArguments.CheckDecode(layout, destination);
        var result = UpdateHeader.TryReadEncoding(payload, out var encoding);
        if (!result.Succeeded)
        {
            return result;
        }

        return _codecs.TryGetValue(encoding, out var codec)
            ? codec.TryDecode(payload, layout, destination)
            : UpdateHeader.Fail(CodecError.UnknownEncoding, $"no codec is registered here for {encoding}");
    }
}
