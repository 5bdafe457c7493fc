using System.Globalization;

namespace FedEdge.Device.Personalization;

/// <summary>
/// Settings of on-device personalization. Plain data, so the agent binds it from configuration and
/// the simulator builds one per virtual device. Defaults suit a Pi with a few hundred samples.
/// </summary>
public sealed record PersonalizationOptions
{
    /// <summary>Auto (choose among all candidates), Head (FedPer/FedRep), Ditto or LocalOnly; <see cref="PersonalizationMode.None"/> turns personalization off.</summary>
    public PersonalizationMode Mode { get; init; } = PersonalizationMode.None;

    /// <summary>
    /// Ditto's λ (Li et al. 2021, eq. 2): weight of (λ/2)·‖v − w_global‖². 0 = local training
    /// started from the global model; large values keep v near w_global. A runtime input of the
    /// training graph, so changing it needs no new artifacts.
    /// </summary>
    public float ProximalLambda { get; init; } = 0.1f;

    /// <summary>
    /// The Ditto λ values <see cref="PersonalizationMode.Auto"/> keeps a personal model for (beside
    /// Head and LocalOnly). Small by design: each is one more tiny model trained per run on the Pi,
    /// and every extra candidate is one more chance for a lucky draw on a small validation split.
    /// </summary>
    public IReadOnlyList<float> CandidateLambdas { get; init; } = PersonalizationConstants.CandidateLambdas;

    /// <summary>Epochs over the local training split per personalization run.</summary>
    public int LocalEpochs { get; init; } = 5;

    /// <summary>SGD learning rate.</summary>
    public float LearningRate { get; init; } = 0.05f;

    /// <summary>SGD momentum (heavy ball); the state restarts with every run.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>No personal training on fewer training samples than this.</summary>
    public int MinTrainingSamples { get; init; } = 10;

    /// <summary>At most this many (newest) training samples per run.</summary>
    public int MaxTrainingSamples { get; init; } = 2000;

    /// <summary>The personal model is served only once the validation split holds at least this many samples.</summary>
    public int MinValidationSamples { get; init; } = 20;

    /// <summary>
    /// Folds of the cross-validation that chooses the served model on a device whose validation split
    /// is smaller than <see cref="CrossValidationBelow"/>; 0 turns cross-validation off. See
    /// <see cref="Personalizer.CrossValidate"/>: every candidate is trained this many more times per run.
    /// </summary>
    public int CrossValidationFolds { get; init; } = 5;

    /// <summary>
    /// A device whose validation split holds fewer samples than this chooses its served model by
    /// k-fold cross-validation over all its labelled samples (evidence on n samples instead of
    /// ~n/5) and trains the models it keeps on all of them; at or above it, the validation split
    /// decides as before. Bounds the extra cost: cross-validation only ever runs on fewer than about
    /// CrossValidationBelow / <see cref="ValidationFraction"/> samples.
    /// </summary>
    public int CrossValidationBelow { get; init; } = 50;

    /// <summary>Share of samples that are validation candidates (by content hash, see <see cref="LocalValidationSplit"/>).</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Upper bound on the validation split (the newest candidates are kept).</summary>
    public int MaxValidationSamples { get; init; } = 200;

    /// <summary>Salt of the validation hash; a per-device value decorrelates the splits of devices that see identical samples.</summary>
    public ulong ValidationSalt { get; init; }

    /// <summary>Where the personal training artifacts are generated (one sub-directory per architecture and mode).</summary>
    public required string ArtifactsDirectory { get; init; }

    /// <summary>ONNX Runtime intra-op threads.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// The personal models this mode keeps, in a fixed order (ties on validation go to the earlier
    /// one): Auto → Ditto for each λ from the largest (closest to the global model), Head, LocalOnly;
    /// a single mode → that one. Empty for None.
    /// </summary>
    public IReadOnlyList<PersonalCandidate> Candidates()
    {
        switch (Mode)
        {
            case PersonalizationMode.Auto:
                var list = new List<PersonalCandidate>(CandidateLambdas.Count + 2);
                foreach (float lambda in CandidateLambdas.OrderDescending())
                {
                    list.Add(PersonalCandidate.Of(PersonalizationMode.Ditto, lambda));
                }

                list.Add(PersonalCandidate.Of(PersonalizationMode.Head));
                list.Add(PersonalCandidate.Of(PersonalizationMode.LocalOnly));
                return list;
            case PersonalizationMode.None:
                return [];
            default:
                return [PersonalCandidate.Of(Mode, ProximalLambda)];
        }
    }

    /// <summary>Throws naming every invalid setting.</summary>
    /// <exception cref="ArgumentException">One or more settings are invalid; the message lists all of them.</exception>
    public void Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Mode))
        {
            errors.Add($"Mode {Mode} is not None, Head, Ditto, LocalOnly or Auto");
        }

        if (!(ProximalLambda >= 0) || !float.IsFinite(ProximalLambda))
        {
            errors.Add($"ProximalLambda {ProximalLambda.ToString(CultureInfo.InvariantCulture)} must be finite and ≥ 0");
        }

        if (CandidateLambdas is null || CandidateLambdas.Count is < 1 or > PersonalizationConstants.MaxCandidateLambdas)
        {
            errors.Add($"CandidateLambdas must hold 1..{PersonalizationConstants.MaxCandidateLambdas} values");
        }
        else
        {
            for (int i = 0; i < CandidateLambdas.Count; i++)
            {
                float lambda = CandidateLambdas[i];
                if (!(lambda >= 0) || !float.IsFinite(lambda))
                {
                    errors.Add($"CandidateLambdas[{i}] {lambda.ToString(CultureInfo.InvariantCulture)} must be finite and ≥ 0");
                }

                for (int j = 0; j < i; j++)
                {
                    if (CandidateLambdas[j] == lambda)
                    {
                        errors.Add($"CandidateLambdas lists {lambda.ToString(CultureInfo.InvariantCulture)} twice");
                    }
                }
            }
        }

        if (LocalEpochs is < 1 or > 1000)
        {
            errors.Add($"LocalEpochs must be in 1..1000 (was {LocalEpochs})");
        }

        if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
        {
            errors.Add("LearningRate must be positive and finite");
        }

        if (!(Momentum >= 0 && Momentum < 1))
        {
            errors.Add("Momentum must be in [0, 1)");
        }

        if (BatchSize is < 1 or > 4096)
        {
            errors.Add($"BatchSize must be in 1..4096 (was {BatchSize})");
        }

        if (MinTrainingSamples < 1 || MaxTrainingSamples < MinTrainingSamples)
        {
            errors.Add("MinTrainingSamples must be ≥ 1 and MaxTrainingSamples ≥ MinTrainingSamples");
        }

        if (!(ValidationFraction > 0 && ValidationFraction <= 0.5))
        {
            errors.Add($"ValidationFraction {ValidationFraction.ToString(CultureInfo.InvariantCulture)} must be in (0, 0.5]");
        }

        if (MinValidationSamples < 1 || MaxValidationSamples < MinValidationSamples)
        {
            errors.Add("MinValidationSamples must be ≥ 1 and MaxValidationSamples ≥ MinValidationSamples");
        }

        if (CrossValidationFolds is not 0 and (< 2 or > PersonalizationConstants.MaxCrossValidationFolds))
        {
            errors.Add($"CrossValidationFolds must be 0 (off) or in 2..{PersonalizationConstants.MaxCrossValidationFolds} (was {CrossValidationFolds})");
        }

        if (CrossValidationBelow is < 0 or > 100_000)
        {
            errors.Add($"CrossValidationBelow must be in 0..100000 (was {CrossValidationBelow})");
        }

        if (string.IsNullOrWhiteSpace(ArtifactsDirectory))
        {
            errors.Add("ArtifactsDirectory is required");
        }

        if (Threads is < 1 or > 64)
        {
            errors.Add($"Threads must be in 1..64 (was {Threads})");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid personalization options: " + string.Join("; ", errors) + ".");
        }
    }
}
