namespace FedEdge.Device.Personalization;

/// <summary>
/// The personal models a device keeps — one per candidate of its mode (one for Head, Ditto or
/// LocalOnly; several for Auto) — and which of them it serves. Stored together by
/// <see cref="PersonalModelStore"/>, so the served choice (the incumbent of the next decision)
/// survives a restart.
/// </summary>
public sealed class PersonalModelSet
{
    private int _served;

    /// <summary>Wraps <paramref name="models"/> (distinct candidates, one architecture).</summary>
    /// <param name="models">At least one personal model.</param>
    /// <param name="served">Index of the served model, or <see cref="GlobalServed"/>.</param>
    /// <exception cref="ArgumentException">No models, a candidate listed twice, or mixed architectures.</exception>
    public PersonalModelSet(IReadOnlyList<PersonalModel> models, int served = GlobalServed)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("A personal model set holds at least one model.", nameof(models));
        }

        for (int i = 0; i < models.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(models[i], nameof(models));
            if (!models[i].Architecture.Equals(models[0].Architecture))
            {
                throw new ArgumentException($"Personal models of {models[0].Architecture} and {models[i].Architecture} cannot share a set.", nameof(models));
            }

            for (int j = 0; j < i; j++)
            {
                if (models[j].Candidate == models[i].Candidate)
                {
                    throw new ArgumentException($"The candidate {models[i].Candidate} is listed twice.", nameof(models));
                }
            }
        }

        Models = [.. models];
        Served = served;
    }

    /// <summary>The value of <see cref="Served"/> when the global model is served.</summary>
    public const int GlobalServed = -1;

    /// <summary>The personal models, in candidate order.</summary>
    public IReadOnlyList<PersonalModel> Models { get; }

    /// <summary>Index into <see cref="Models"/> of the served model, or <see cref="GlobalServed"/>.</summary>
    public int Served
    {
        get => _served;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, GlobalServed);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(value, Models.Count);
            _served = value;
        }
    }

    /// <summary>
    /// Whether the models have trained on all the device's samples, its validation split's included (a run
    /// chosen by cross-validation, <see cref="Personalizer.TrainAndChoose"/>): the validation split can then no
    /// longer judge them (<see cref="Personalizer.MustReinitialise"/>). Stored with the set.
    /// </summary>
    public bool SawValidationSamples { get; set; }

    /// <summary>The served personal model, or null when the global model is served.</summary>
    public PersonalModel? ServedModel => _served == GlobalServed ? null : Models[_served];

    /// <summary>The name of the served model: <see cref="PersonalCandidate.GlobalName"/> or the candidate's.</summary>
    public string ServedName => ServedModel?.Candidate.Name ?? PersonalCandidate.GlobalName;

    /// <summary>The model of <paramref name="candidate"/>, or null.</summary>
    public PersonalModel? Find(PersonalCandidate candidate)
    {
        foreach (var model in Models)
        {
            if (model.Candidate == candidate)
            {
                return model;
            }
        }

        return null;
    }
}
