using System.Globalization;
using System.Numerics.Tensors;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Codecs;

/// <summary>
/// The device-side memory of error feedback (Stich, Cordonnier &amp; Jaggi 2018, "Sparsified SGD with
/// memory", Alg. 1; Karimireddy et al. 2019, "Error Feedback Fixes SignSGD", Alg. 2): eₜ₊₁ =
/// (xₜ + eₜ) − C(xₜ + eₜ), where C is the compressor. One buffer for the life of the device's
/// layout, reused every round; it never leaves the device and is never part of a payload.
/// </summary>
/// <remarks>
/// The residual is built from the already clipped and noised update, so under DP it is
/// post-processing and costs no privacy budget. Not thread-safe.
/// </remarks>
public sealed class ErrorFeedbackResidual
{
    private readonly float[] _values;

    /// <summary>Creates a zero residual for <paramref name="layout"/>.</summary>
    public ErrorFeedbackResidual(ParameterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        _values = new float[layout.TotalLength];
    }

    /// <summary>The layout the residual is kept over.</summary>
    public ParameterLayout Layout { get; }

    /// <summary>The current residual eₜ.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>‖eₜ‖₂, for monitoring how much the compressor is holding back.</summary>
    public float L2Norm() => TensorPrimitives.Norm<float>(_values);

    /// <summary>Forgets the residual (e.g. when the global model is replaced wholesale).</summary>
    public void Reset() => Array.Clear(_values);

    /// <summary>Restores a residual saved earlier (e.g. across an agent restart).</summary>
    public void Load(ReadOnlySpan<float> values)
    {
        if (values.Length != _values.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The residual has {values.Length} elements but the layout has {_values.Length}."),
                nameof(values));
        }

        CodecArguments.CheckFinite(values, nameof(values));
        values.CopyTo(_values);
    }

    /// <summary>The buffer the top-k codec updates in place.</summary>
    internal Span<float> Buffer => _values;
}
