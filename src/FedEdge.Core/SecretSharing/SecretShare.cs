namespace FedEdge.Core.SecretSharing;

/// <summary>
/// One Shamir share (Shamir 1979): the evaluations f_j(x) of the sharing polynomials at abscissa x =
/// <see cref="Index"/>, one per 56-bit limb j of the secret, each an element of GF(2⁶¹ − 1). Immutable.
/// </summary>
public sealed class SecretShare
{
    private readonly ulong[] _values;

    /// <summary>A share at <paramref name="index"/> with <paramref name="values"/> (copied). Range checks happen at reconstruction.</summary>
    public SecretShare(int index, ReadOnlySpan<ulong> values)
    {
        Index = index;
        _values = values.ToArray();
    }

    /// <summary>The abscissa x ≥ 1 at which the polynomials were evaluated (x = 0 is the secret itself).</summary>
    public int Index { get; }

    /// <summary>f_j(x) for each limb j.</summary>
    public ReadOnlySpan<ulong> Values => _values;
}
