using System.Numerics.Tensors;

namespace FedEdge.Core.Parameters;

/// <summary>
/// A named set of float32 tensors over one contiguous buffer: the model parameters, a gradient,
/// an update or an optimizer state. Span views per tensor; the vector operations aggregation needs
/// run over the whole buffer with <see cref="TensorPrimitives"/>.
/// </summary>
public sealed class ParameterSet
{
    private readonly float[] _buffer;

    /// <summary>Creates a zero-filled set for <paramref name="layout"/>.</summary>
    public ParameterSet(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        _buffer = new float[layout.TotalLength];
    }

    /// <summary>Wraps an existing buffer (not copied); its length must equal the layout's.</summary>
    public ParameterSet(ParameterLayout layout, float[] buffer)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length != layout.TotalLength)
        {
            throw new ArgumentException(
                $"Buffer has {buffer.Length} elements but the layout needs {layout.TotalLength}.", nameof(buffer));
        }

        Layout = layout;
        _buffer = buffer;
    }

    /// <summary>The layout (names, shapes, offsets).</summary>
    public ParameterLayout Layout { get; }

    /// <summary>Total number of elements.</summary>
    public int Length => _buffer.Length;

    /// <summary>The backing array (pinned by callers that hand it to native code).</summary>
    public float[] Buffer => _buffer;

    /// <summary>The whole buffer as one vector.</summary>
    public Span<float> AsSpan() => _buffer;

    /// <summary>The elements of tensor <paramref name="index"/>.</summary>
    public Span<float> Tensor(int index) =>
        _buffer.AsSpan(Layout.OffsetOf(index), Layout.Tensors[index].Length);

    /// <summary>The elements of the tensor named <paramref name="name"/>.</summary>
    public Span<float> this[string name] => Tensor(Layout.IndexOf(name));

    /// <summary>A deep copy.</summary>
    public ParameterSet Clone() => new(Layout, (float[])_buffer.Clone());

    /// <summary>Copies <paramref name="source"/> into this set; layouts must match.</summary>
    public void CopyFrom(ParameterSet source)
    {
        RequireSameLayout(source);
        source._buffer.AsSpan().CopyTo(_buffer);
    }

    /// <summary>Sets every element to zero.</summary>
    public void Clear() => Array.Clear(_buffer);

    /// <summary>this ← this + alpha·x (BLAS axpy).</summary>
    public void AddScaled(ParameterSet x, float alpha)
    {
        RequireSameLayout(x);
        TensorPrimitives.MultiplyAdd(x._buffer, alpha, _buffer, _buffer);
    }

    /// <summary>this ← alpha·this.</summary>
    public void Scale(float alpha) => TensorPrimitives.Multiply(_buffer, alpha, _buffer);

    /// <summary>The Euclidean (L2) norm over all tensors.</summary>
    public float L2Norm() => TensorPrimitives.Norm(_buffer);

    /// <summary>this ← a − b (e.g. an update = local − global).</summary>
    public void SetDifference(ParameterSet a, ParameterSet b)
    {
        RequireSameLayout(a);
        RequireSameLayout(b);
        TensorPrimitives.Subtract(a._buffer, b._buffer, _buffer);
    }

    /// <summary>
    /// Scales this set so its L2 norm is at most <paramref name="maxNorm"/>:
    /// x ← x · min(1, S/‖x‖) (McMahan et al. 2018, DP-FedAvg clipping). Returns the factor applied.
    /// </summary>
    public float ClipToNorm(float maxNorm)
    {
        if (!(maxNorm > 0f) || float.IsInfinity(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The clipping norm must be positive and finite.");
        }

        float norm = L2Norm();
        if (norm <= maxNorm)
        {
            return 1f;
        }

        float factor = maxNorm / norm;
        Scale(factor);
        return factor;
    }

    /// <summary>Whether every element is finite (no NaN, no ±∞).</summary>
    public bool AllFinite()
    {
        return AllFinite(_buffer);
    }

    /// <summary>Whether every element of <paramref name="values"/> is finite.</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }

    private void RequireSameLayout(ParameterSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!ReferenceEquals(other.Layout, Layout) && !other.Layout.Equals(Layout))
        {
            throw new ArgumentException($"Layouts differ: [{Layout}] vs [{other.Layout}].", nameof(other));
        }
    }
}
