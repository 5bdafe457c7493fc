namespace FedEdge.Device.Prediction;

/// <summary>What the device's current model says about the newest feature window.</summary>
/// <param name="Activity">The predicted class name (e.g. "cooking").</param>
/// <param name="ClassIndex">The predicted class index.</param>
/// <param name="Probability">The softmax probability of the predicted class, in [0, 1].</param>
/// <param name="Model">Which model produced it: "global" (personalised models come later).</param>
/// <param name="ModelVersion">The global model version.</param>
/// <param name="Time">When the window ended.</param>
public sealed record ActivityPrediction(
    string Activity,
    int ClassIndex,
    double Probability,
    string Model,
    ulong ModelVersion,
    DateTimeOffset Time);
