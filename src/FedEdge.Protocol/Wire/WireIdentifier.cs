using System.Globalization;

namespace FedEdge.Protocol.Wire;

/// <summary>
/// The one syntax for names that travel on the wire and in topics — device ids, fleet names, memory
/// classes, key ids: 1 to 64 characters of <c>[A-Za-z0-9_-]</c>. That keeps them safe as MQTT topic
/// levels (no '/', '+', '#', no leading '$'), in file names, and in log lines.
/// </summary>
public static class WireIdentifier
{
    /// <summary>Longest identifier.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="value"/> is an identifier.</summary>
    public static bool IsValid(string? value) => Check(value, "identifier") is null;

    /// <summary>Null when <paramref name="value"/> is an identifier; otherwise why not, naming it <paramref name="what"/>.</summary>
    /// <remarks>The value itself is not echoed: it came from outside and goes into logs.</remarks>
    public static string? Check(string? value, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is empty";
        }

        if (value.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{what} is {value.Length} characters long (at most {MaxLength})");
        }

        for (int i = 0; i < value.Length; i++)
        {
            if (!IsIdentifierChar(value[i]))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{what} has a character outside [A-Za-z0-9_-] at position {i} (U+{(int)value[i]:X4})");
            }
        }

        return null;
    }

    private static bool IsIdentifierChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-';
}
