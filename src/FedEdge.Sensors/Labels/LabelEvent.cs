namespace FedEdge.Sensors.Labels;

/// <summary>A label someone or something attached to a moment: "at 18:05 I was cooking".</summary>
/// <param name="Time">When the label applies from.</param>
/// <param name="Label">The label text (1–64 characters, no control characters).</param>
public readonly record struct LabelEvent(DateTimeOffset Time, string Label)
{
    /// <summary>Longest accepted label.</summary>
    public const int MaxLabelLength = 64;

    /// <summary>Null when <paramref name="label"/> is acceptable, else the reason it is not.</summary>
    public static string? Problem(string? label)
    {
        if (string.IsNullOrWhiteSpace(label))
        {
            return "the label is empty";
        }

        if (label.Length > MaxLabelLength)
        {
            return $"the label has {label.Length} characters, more than {MaxLabelLength}";
        }

        foreach (char c in label)
        {
            if (char.IsControl(c))
            {
                return "the label contains a control character";
            }
        }

        return null;
    }
}
