namespace FedEdge.Sensors.Features;

/// <summary>Statistics of the acceleration magnitude |a| = √(x² + y² + z²) over one window.</summary>
/// <param name="Count">Samples in the window.</param>
/// <param name="Mean">Mean magnitude, m/s².</param>
/// <param name="StandardDeviation">Population standard deviation of the magnitude, m/s².</param>
/// <param name="BandPower">Spectral energy of the magnitude in the requested band, (m/s²)² (see <see cref="SpectralEnergy"/>).</param>
/// <param name="SampleRateHz">The sample rate the band was evaluated at: (n − 1) / (t_last − t_first).</param>
public readonly record struct MagnitudeSummary(int Count, double Mean, double StandardDeviation, double BandPower, double SampleRateHz);
