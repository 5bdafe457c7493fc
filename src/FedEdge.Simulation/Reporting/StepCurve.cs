namespace FedEdge.Simulation.Reporting;

/// <summary>
/// A quantity that changes only at server steps and holds in between (the global model's accuracy,
/// the bytes received so far): a right-continuous step function through its change points.
/// </summary>
internal sealed class StepCurve
{
    private readonly double[] _x;
    private readonly double[] _y;

    /// <param name="x">Change times, ascending.</param>
    /// <param name="y">Value from each change time on.</param>
    /// <param name="end">Time the curve is held to after its last change.</param>
    public StepCurve(double[] x, double[] y, double end)
    {
        _x = x;
        _y = y;
        End = Math.Max(end, x.Length > 0 ? x[^1] : 0);
    }

    public double End { get; }

    /// <summary>The value at <paramref name="t"/>: the last change at or before it (the first value before the first change).</summary>
    public double At(double t)
    {
        int i = Array.BinarySearch(_x, t);
        if (i < 0)
        {
            i = ~i - 1;
        }
        else
        {
            // Several changes at one time (two server steps in one simulated instant): the last one holds.
            while (i + 1 < _x.Length && _x[i + 1] == t)
            {
                i++;
            }
        }

        return _y[Math.Max(i, 0)];
    }

    /// <summary>Vertices that draw the curve as a staircase with straight line segments.</summary>
    public (double[] X, double[] Y) Staircase()
    {
        var xs = new List<double>(2 * _x.Length + 1);
        var ys = new List<double>(2 * _x.Length + 1);
        for (int i = 0; i < _x.Length; i++)
        {
            if (i > 0)
            {
                xs.Add(_x[i]);
                ys.Add(_y[i - 1]);
            }

            xs.Add(_x[i]);
            ys.Add(_y[i]);
        }

        if (_x.Length > 0 && End > _x[^1])
        {
            xs.Add(End);
            ys.Add(_y[^1]);
        }

        return ([.. xs], [.. ys]);
    }
}
