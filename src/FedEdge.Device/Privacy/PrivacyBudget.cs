using System.Globalization;

namespace FedEdge.Device.Privacy;

/// <summary>A device's total (ε, δ) budget over its lifetime.</summary>
public sealed record PrivacyBudget(double Epsilon, double Delta)
{
    /// <summary>Throws naming every invalid value.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!(Epsilon > 0) || double.IsInfinity(Epsilon))
        {
            errors.Add($"Epsilon {Epsilon.ToString(CultureInfo.InvariantCulture)} must be positive and finite");
        }

        if (!(Delta > 0 && Delta < 1))
        {
            errors.Add($"Delta {Delta.ToString(CultureInfo.InvariantCulture)} must be in (0, 1)");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid privacy budget: " + string.Join("; ", errors) + ".");
        }
    }
}
