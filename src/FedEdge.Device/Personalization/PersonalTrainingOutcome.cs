namespace FedEdge.Device.Personalization;

/// <summary>How a personalization run ended.</summary>
public enum PersonalTrainingOutcome
{
    /// <summary>All local epochs ran; the personal model was updated.</summary>
    Trained,

    /// <summary>The device stopped being eligible; the steps taken so far are kept (each is a valid SGD iterate).</summary>
    Interrupted,

    /// <summary>Too few training samples; nothing changed.</summary>
    NotEnoughSamples,

    /// <summary>Training produced non-finite parameters; the personal model was left as it was before the run.</summary>
    Diverged,

    /// <summary>The samples do not fit the model (another feature count, more classes); nothing trained.</summary>
    Unusable,
}
