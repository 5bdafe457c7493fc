namespace FedEdge.Onnx.Training;

/// <summary>Mean loss and accuracy of a model on a data set.</summary>
/// <param name="Loss">Mean softmax cross-entropy.</param>
/// <param name="Accuracy">Fraction of rows whose arg-max class equals the label.</param>
/// <param name="Count">Number of rows evaluated.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy, int Count);
