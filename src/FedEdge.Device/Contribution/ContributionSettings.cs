using System.Globalization;
using FedEdge.Core.Codecs;

namespace FedEdge.Device.Contribution;

/// <summary>
/// What one device contributes and how: identity, user-level DP parameters, local training
/// hyper-parameters and the update codec. Plain data, so the simulator builds one per virtual device.
/// </summary>
public sealed record ContributionSettings
{
    /// <summary>The device id (the broker identity; the update topic's last level).</summary>
    public required string DeviceId { get; init; }

    /// <summary>The fleet.</summary>
    public required string Fleet { get; init; }

    /// <summary>The board's memory class; picks the FTTE subset assigned to it.</summary>
    public string MemoryClass { get; init; } = string.Empty;

    /// <summary>Where training artifacts are generated (one sub-directory per architecture).</summary>
    public required string ArtifactsDirectory { get; init; }

    /// <summary>The DP mechanism. Default user level (DP-FedAvg).</summary>
    public ContributionPrivacy Privacy { get; init; } = ContributionPrivacy.UserLevel;

    /// <summary>User-level clipping norm S (McMahan et al. 2018, Alg. 1); per-example norm C for sample-level DP.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Noise multiplier z (noise stddev z·S, or σ·C per DP-SGD step); must be positive, the ledger charges it (ignored without DP).</summary>
    public double NoiseMultiplier { get; init; } = 1.0;

    /// <summary>Local epochs over the samples.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Local mini-batch size.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Local SGD learning rate.</summary>
    public float LearningRate { get; init; } = 0.05f;

    /// <summary>ONNX Runtime intra-op threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>At most this many (newest) samples are trained on.</summary>
    public int MaxSamples { get; init; } = 2000;

    /// <summary>No contribution from fewer samples than this.</summary>
    public int MinSamples { get; init; } = 10;

    /// <summary>The update codec (ignored when the server assigned an FTTE subset: then <see cref="UpdateEncoding.SparseSubset"/>).</summary>
    public UpdateEncoding Codec { get; init; } = UpdateEncoding.Float16;

    /// <summary>Fraction of coordinates top-k keeps.</summary>
    public double TopKFraction { get; init; } = 0.1;

    /// <summary>Throws naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(DeviceId) || string.IsNullOrWhiteSpace(Fleet) || string.IsNullOrWhiteSpace(ArtifactsDirectory))
        {
            errors.Add("DeviceId, Fleet and ArtifactsDirectory are required");
        }

        if (!(ClipNorm > 0) || double.IsInfinity(ClipNorm))
        {
            errors.Add($"ClipNorm {ClipNorm.ToString(CultureInfo.InvariantCulture)} must be positive and finite");
        }

        if (!Enum.IsDefined(Privacy))
        {
            errors.Add($"Privacy {Privacy} is not a mechanism");
        }

        if ((!(NoiseMultiplier > 0) && Privacy != ContributionPrivacy.None) || double.IsInfinity(NoiseMultiplier))
        {
            errors.Add($"NoiseMultiplier {NoiseMultiplier.ToString(CultureInfo.InvariantCulture)} must be positive and finite");
        }

        if (Epochs is < 1 or > 1000 || BatchSize is < 1 or > 65536 || Threads is < 1 or > 64)
        {
            errors.Add("Epochs must be in 1..1000, BatchSize in 1..65536, Threads in 1..64");
        }

        if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
        {
            errors.Add("LearningRate must be positive and finite");
        }

        if (MinSamples < 1 || MaxSamples < MinSamples)
        {
            errors.Add("MinSamples must be ≥ 1 and MaxSamples ≥ MinSamples");
        }

        if (Codec is UpdateEncoding.None or UpdateEncoding.SparseSubset || !Enum.IsDefined(Codec))
        {
            errors.Add($"Codec {Codec} must be DenseFloat32, Float16, Int8Stochastic or TopKSparse");
        }

        if (!(TopKFraction > 0 && TopKFraction <= 1))
        {
            errors.Add("TopKFraction must be in (0, 1]");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid contribution settings: " + string.Join("; ", errors) + ".");
        }
    }
}
