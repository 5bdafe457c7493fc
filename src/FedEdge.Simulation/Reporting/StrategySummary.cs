namespace FedEdge.Simulation.Reporting;

/// <summary>One strategy's runs aggregated over seeds.</summary>
/// <param name="Strategy">Strategy name (lower case).</param>
/// <param name="Seeds">Seeds run.</param>
/// <param name="ReachedTarget">Seeds on which the target accuracy was reached.</param>
/// <param name="HoursToTarget">Simulated hours to target, over the seeds that reached it.</param>
/// <param name="FinalAccuracy">Accuracy of the last model (fraction).</param>
/// <param name="BestAccuracy">Best accuracy reached (fraction).</param>
/// <param name="UploadBytes">Update bytes received over the run.</param>
/// <param name="UploadBytesToTarget">Update bytes received until the target, over the seeds that reached it.</param>
/// <param name="PeakTrainingMemoryBytes">Modelled peak training memory on the most constrained board (<see cref="Results.RunResult.PeakTrainingMemoryBytes"/>).</param>
/// <param name="AcceptedUpdates">Updates the aggregator accepted.</param>
/// <param name="VersusFedAvg">Ratios against FedAvg; null for FedAvg itself or when FedAvg was not run.</param>
public sealed record StrategySummary(
    string Strategy,
    int Seeds,
    int ReachedTarget,
    MetricSummary HoursToTarget,
    MetricSummary FinalAccuracy,
    MetricSummary BestAccuracy,
    MetricSummary UploadBytes,
    MetricSummary UploadBytesToTarget,
    MetricSummary PeakTrainingMemoryBytes,
    MetricSummary AcceptedUpdates,
    FedAvgComparison? VersusFedAvg);
