using System.Globalization;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>Argument checks shared by the codecs (caller bugs, so exceptions, not <see cref="DecodeResult"/>s).</summary>
internal static class CodecArguments
{
    public static void CheckEncode(ReadOnlySpan<float> update, ParameterLayout layout, Span<byte> destination, int requiredBytes)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (update.Length != layout.TotalLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The update has {update.Length} elements but the layout has {layout.TotalLength}."),
                nameof(update));
        }

        if (destination.Length < requiredBytes)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The destination has {destination.Length} bytes but the payload needs {requiredBytes}."),
                nameof(destination));
        }
    }

    public static void CheckFinite(ReadOnlySpan<float> update, string paramName)
    {
        int bad = FloatSpans.IndexOfNonFinite(update);
        if (bad >= 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The update value at index {bad} is {update[bad]}; only finite updates can be encoded."),
                paramName);
        }
    }

    public static void CheckDecode(ParameterLayout layout, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (destination.Length != layout.TotalLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The destination has {destination.Length} elements but the layout has {layout.TotalLength}."),
                nameof(destination));
        }
    }
}
