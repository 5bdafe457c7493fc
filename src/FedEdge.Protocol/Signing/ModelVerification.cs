namespace FedEdge.Protocol.Signing;

/// <summary>The outcome of verifying a global model: accepted, or the rejection and a message for the log.</summary>
public sealed class ModelVerification
{
    private ModelVerification(ModelRejection rejection, string message)
    {
        Rejection = rejection;
        Message = message;
    }

    /// <summary>The accepted outcome (a shared instance).</summary>
    public static ModelVerification Accepted { get; } = new(ModelRejection.None, "ok");

    /// <summary>Why the model was rejected, or <see cref="ModelRejection.None"/>.</summary>
    public ModelRejection Rejection { get; }

    /// <summary>"ok", or what was wrong, suitable for a log line.</summary>
    public string Message { get; }

    /// <summary>Whether the model was accepted.</summary>
    public bool Succeeded => Rejection == ModelRejection.None;

    /// <summary>A rejection.</summary>
    public static ModelVerification Reject(ModelRejection rejection, string message)
    {
        if (rejection == ModelRejection.None)
        {
            throw new ArgumentException("A rejection needs a reason other than None.", nameof(rejection));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        return new ModelVerification(rejection, message);
    }

    /// <inheritdoc/>
    public override string ToString() => Succeeded ? Message : $"{Rejection}: {Message}";
}
