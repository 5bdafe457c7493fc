using System.Globalization;

namespace FedEdge.Core.Aggregation;

/// <summary>Collects every invalid option so one exception names them all (house style, as in Polly's options).</summary>
internal sealed class OptionErrors
{
    private readonly List<string> _errors = [];

    public void Require(bool condition, FormattableString message)
    {
        if (!condition)
        {
            _errors.Add(message.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void ThrowIfAny(string optionsName)
    {
        if (_errors.Count > 0)
        {
            throw new ArgumentException($"Invalid {optionsName}: {string.Join("; ", _errors)}.");
        }
    }
}
