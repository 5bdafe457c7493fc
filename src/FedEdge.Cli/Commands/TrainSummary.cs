namespace FedEdge.Cli.Commands;

/// <summary>
/// What <c>fededge train --json</c> prints: the figures of the human output, one object. Accuracies
/// are fractions (0..1); losses are mean softmax cross-entropy.
/// </summary>
/// <param name="Data">The data source, as the human output names it.</param>
/// <param name="Samples">Rows in the data.</param>
/// <param name="Features">Features per row.</param>
/// <param name="Classes">Classes.</param>
/// <param name="TrainSamples">Rows in the stratified training split.</param>
/// <param name="TestSamples">Rows held out for testing.</param>
/// <param name="Model">The architecture, e.g. mlp-64-32-10.</param>
/// <param name="Parameters">Parameter count.</param>
/// <param name="Trainable">The --trainable selection.</param>
/// <param name="Optimizer">AdamW or Sgd.</param>
/// <param name="LearningRate">--lr.</param>
/// <param name="BatchSize">--batch-size (the expected Poisson batch with DP-SGD).</param>
/// <param name="Epochs">--epochs.</param>
/// <param name="Threads">ONNX Runtime threads.</param>
/// <param name="Seed">--seed.</param>
/// <param name="EpochLosses">Mean training loss of every epoch, first to last.</param>
/// <param name="TrainAccuracy">Accuracy on the training split after training.</param>
/// <param name="TrainLoss">Loss on the training split after training.</param>
/// <param name="TestAccuracy">Accuracy on the held-out split.</param>
/// <param name="TestLoss">Loss on the held-out split.</param>
/// <param name="Dp">The DP-SGD figures; null without --dp-epsilon.</param>
/// <param name="TrainSeconds">Wall time of the training loop.</param>
/// <param name="TotalSeconds">Wall time of the whole command.</param>
/// <param name="Saved">The --out directory the model was saved to; null without --out.</param>
internal sealed record TrainSummary(
    string Data,
    int Samples,
    int Features,
    int Classes,
    int TrainSamples,
    int TestSamples,
    string Model,
    long Parameters,
    string Trainable,
    string Optimizer,
    float LearningRate,
    int BatchSize,
    int Epochs,
    int Threads,
    int Seed,
    IReadOnlyList<double> EpochLosses,
    double TrainAccuracy,
    double TrainLoss,
    double TestAccuracy,
    double TestLoss,
    DpSgdSummary? Dp,
    double TrainSeconds,
    double TotalSeconds,
    string? Saved);
