namespace FedEdge.Aggregation.Engine;

/// <summary>How the buffered deltas are pooled.</summary>
public enum RobustKind
{
    /// <summary>The strategy's weighted mean.</summary>
    None,

    /// <summary>Coordinate-wise median (Yin et al. 2018).</summary>
    Median,

    /// <summary>Coordinate-wise trimmed mean (Yin et al. 2018).</summary>
    TrimmedMean,
}
