using System.Numerics.Tensors;

namespace FedEdge.Sensors.Features;

/// <summary>Summary statistics of a series of timestamped values, allocation-free.</summary>
public static class WindowStatistics
{
    /// <summary>
    /// Mean, population standard deviation (two-pass, so a large offset such as a pressure in Pa
    /// does not cancel), min, max, and the ordinary least-squares slope
    /// b = Σ(t − t̄)(x − x̄) / Σ(t − t̄)².
    /// </summary>
    /// <param name="seconds">Sample times in seconds from any origin.</param>
    /// <param name="values">Sample values, same length, at least one.</param>
    public static ChannelSummary Summarize(ReadOnlySpan<double> seconds, ReadOnlySpan<double> values)
    {
        if (seconds.Length != values.Length)
        {
            throw new ArgumentException($"{seconds.Length} times for {values.Length} values.", nameof(seconds));
        }

        if (values.IsEmpty)
        {
            throw new ArgumentException("A summary needs at least one value.", nameof(values));
        }

        int n = values.Length;
        double mean = TensorPrimitives.Sum(values) / n;
        double meanTime = TensorPrimitives.Sum(seconds) / n;
        double squares = 0;
        double crossProducts = 0;
        double timeSquares = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = values[i] - mean;
            double dt = seconds[i] - meanTime;
            squares += dx * dx;
            crossProducts += dt * dx;
            timeSquares += dt * dt;
        }

        double slope = timeSquares > 0 ? crossProducts / timeSquares : 0;
        return new ChannelSummary(n, mean, Math.Sqrt(squares / n), TensorPrimitives.Min(values), TensorPrimitives.Max(values), slope);
    }
}
