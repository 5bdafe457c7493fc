namespace FedEdge.Simulation.Data;

/// <summary>Where the simulation's data comes from: <c>synthetic</c>, <c>digits</c> or a CSV file path.</summary>
/// <param name="Kind">The source.</param>
/// <param name="Path">The CSV file (for <see cref="DatasetKind.File"/>, and for digits when not at the default place).</param>
public sealed record DatasetSource(DatasetKind Kind, string? Path = null)
{
    /// <summary>Parses the <c>--dataset</c> value.</summary>
    public static DatasetSource Parse(string text, string? digitsPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "synthetic" => new DatasetSource(DatasetKind.Synthetic),
            "digits" => new DatasetSource(DatasetKind.Digits, digitsPath),
            _ => new DatasetSource(DatasetKind.File, text),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        DatasetKind.Synthetic => "synthetic",
        DatasetKind.Digits => "digits",
        _ => Path ?? "file",
    };
}
