using System.Buffers.Binary;
using System.Security.Cryptography;
using FedEdge.Core.Data;

namespace FedEdge.Device.Personalization;

/// <summary>
/// A bounded, deterministic hold-out of the device's samples that decides which model is served.
/// </summary>
/// <remarks>
/// <para>Membership is <em>re-derived, not persisted</em>: a sample is a validation candidate when the
/// first 64 bits of SHA-256(salt ‖ label ‖ features), all little-endian, fall below
/// fraction·2⁶⁴. The hash depends only on the sample's content, so the split is the same after a
/// restart, on any board, and whatever else the store holds (an identical duplicate lands on the
/// same side, so it cannot leak across).</para>
/// <para>Bound: of the candidates only the newest <c>maxSamples</c> are held out; older candidates
/// join the training split. Samples arrive newest-last and the store evicts oldest-first, so the
/// number of candidates newer than a given sample never decreases: a sample can move from
/// validation to training as the store grows, never from training to validation. The personal
/// model is therefore never validated on a sample it was trained on.</para>
/// </remarks>
public sealed class LocalValidationSplit
{
    private readonly ulong _threshold;
    private readonly ulong _salt;

    /// <summary>Creates a split.</summary>
    /// <param name="fraction">Share of samples that are candidates, in (0, 0.5].</param>
    /// <param name="maxSamples">Upper bound on the validation split.</param>
    /// <param name="salt">Per-device salt (0 is fine for one device).</param>
    public LocalValidationSplit(double fraction, int maxSamples, ulong salt = 0)
    {
        if (!(fraction > 0 && fraction <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The validation fraction must be in (0, 0.5].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxSamples, 1);
        Fraction = fraction;
        MaxSamples = maxSamples;
        _salt = salt;
        _threshold = (ulong)(fraction * 18446744073709551616.0);
    }

    /// <summary>Creates the split the options describe.</summary>
    public static LocalValidationSplit FromOptions(PersonalizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new LocalValidationSplit(options.ValidationFraction, options.MaxValidationSamples, options.ValidationSalt);
    }

    /// <summary>Share of samples that are candidates.</summary>
    public double Fraction { get; }

    /// <summary>Upper bound on the validation split.</summary>
    public int MaxSamples { get; }

    /// <summary>Whether a sample with this content is a validation candidate.</summary>
    public bool IsCandidate(ReadOnlySpan<float> features, int label)
    {
        byte[] scratch = new byte[12 + (4 * features.Length)];
        return IsCandidate(features, label, scratch);
    }

    /// <summary>Splits <paramref name="samples"/> (oldest first, as the sample store returns them).</summary>
    public LocalSplit Split(Dataset samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        byte[] scratch = new byte[12 + (4 * samples.FeatureCount)];
        bool[] validation = new bool[samples.Count];
        int held = 0;
        for (int row = samples.Count - 1; row >= 0 && held < MaxSamples; row--)
        {
            if (IsCandidate(samples.Row(row), samples.Label(row), scratch))
            {
                validation[row] = true;
                held++;
            }
        }

        int[] validationRows = new int[held];
        int[] trainRows = new int[samples.Count - held];
        int v = 0;
        int t = 0;
        for (int row = 0; row < samples.Count; row++)
        {
            if (validation[row])
            {
                validationRows[v++] = row;
            }
            else
            {
                trainRows[t++] = row;
            }
        }

        return new LocalSplit(samples.Select(trainRows), samples.Select(validationRows), validationRows);
    }

    private bool IsCandidate(ReadOnlySpan<float> features, int label, byte[] scratch)
    {
        var span = scratch.AsSpan(0, 12 + (4 * features.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(span, _salt);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], label);
        for (int i = 0; i < features.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[(12 + (4 * i))..], features[i]);
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(span, hash);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash) < _threshold;
    }
}
