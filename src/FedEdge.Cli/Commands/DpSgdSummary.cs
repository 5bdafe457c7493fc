namespace FedEdge.Cli.Commands;

/// <summary>The DP-SGD part of <see cref="TrainSummary"/>.</summary>
/// <param name="TargetEpsilon">--dp-epsilon.</param>
/// <param name="Delta">--dp-delta.</param>
/// <param name="Clip">Per-example clipping norm C.</param>
/// <param name="SamplingRate">Poisson sampling rate q = batch / training rows.</param>
/// <param name="Steps">Noisy steps taken.</param>
/// <param name="Sigma">Noise multiplier σ the accountant chose for the target.</param>
/// <param name="Epsilon">ε spent, as the RDP accountant reports after training.</param>
/// <param name="Order">The RDP order α that gave <paramref name="Epsilon"/>.</param>
internal sealed record DpSgdSummary(
    double TargetEpsilon,
    double Delta,
    float Clip,
    double SamplingRate,
    long Steps,
    double Sigma,
    double Epsilon,
    double Order);
