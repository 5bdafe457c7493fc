using FedEdge.Sensors.Simulated;

namespace FedEdge.Sensors.Features;

/// <summary>
/// Produces, from a <see cref="FeatureWindow"/> of real readings, exactly the 14 features of
/// <see cref="SmartHomeSchema.FeatureNames"/> in that order (per sensor: window mean,
/// then population standard deviation, in the same physical units), so a model trained on simulated
/// homes runs on a real device after the same <see cref="SmartHomeSchema"/>.
/// </summary>
/// <remarks>
/// <b>Missing-channel policy.</b> A sensor whose channel the window lacks (e.g. no microphone for
/// sound), or that has fewer than <see cref="SmartHomeFeatureSources.MinimumReadings"/> readings
/// in the window (it failed), gets both its features set to
/// <see cref="SmartHomeSchema.Centre"/> — the pooled population mean, which standardises
/// to z = 0, the value that moves a linear model least — and is flagged in the returned set so the
/// caller can log it or skip the sample. The simulator draws motion as events per minute in each
/// 10 s reading; <see cref="Hardware.PirMotionAdapter"/> reports the same per read, so at a 10 s
/// cadence the statistics match.
/// </remarks>
public sealed class SmartHomeFeatureMap
{
    /// <summary>Number of features written: 14.</summary>
    public const int FeatureCount = 14;

    private const int SensorCount = 7;

    private readonly FeatureWindow _window;
    private readonly int[] _channelIndex;
    private readonly int _minimumReadings;

    /// <summary>Binds the map to <paramref name="window"/>'s channels.</summary>
    public SmartHomeFeatureMap(FeatureWindow window, SmartHomeFeatureSources? sources = null)
    {
        ArgumentNullException.ThrowIfNull(window);
        sources ??= new SmartHomeFeatureSources();
        if (sources.MinimumReadings is < 2 or > SpectralEnergy.MaxSamples)
        {
            throw new ArgumentOutOfRangeException(nameof(sources), sources.MinimumReadings, $"{nameof(SmartHomeFeatureSources.MinimumReadings)} must be 2 to {SpectralEnergy.MaxSamples}.");
        }

        if (SmartHomeSchema.FeatureNames.Count != FeatureCount)
        {
            throw new InvalidOperationException("The simulator's feature list changed; update SmartHomeFeatureMap.");
        }

        _window = window;
        _minimumReadings = sources.MinimumReadings;
        string[] names = sources.InFeatureOrder();
        _channelIndex = new int[SensorCount];
        for (int s = 0; s < SensorCount; s++)
        {
            _channelIndex[s] = window.IndexOf(names[s]);
        }
    }

    /// <summary>Sensors the window has no channel for at all (always imputed).</summary>
    public SmartHomeSensors Unavailable
    {
        get
        {
            var missing = SmartHomeSensors.None;
            for (int s = 0; s < SensorCount; s++)
            {
                if (_channelIndex[s] < 0)
                {
                    missing |= (SmartHomeSensors)(1 << s);
                }
            }

            return missing;
        }
    }

    /// <summary>
    /// Writes the 14 features for the window ending at <paramref name="now"/> and returns the set of
    /// sensors whose features were imputed with the scaling centre.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than 14.</exception>
    public SmartHomeSensors Map(DateTimeOffset now, Span<float> destination)
    {
        if (destination.Length < FeatureCount)
        {
            throw new ArgumentException($"Need {FeatureCount} floats, got {destination.Length}.", nameof(destination));
        }

        var imputed = SmartHomeSensors.None;
        var centre = SmartHomeSchema.Centre;
        for (int s = 0; s < SensorCount; s++)
        {
            int channel = _channelIndex[s];
            if (channel >= 0
                && _window.CountAt(channel, now) >= _minimumReadings
                && _window.TrySummarize(channel, now, out var summary))
            {
                destination[2 * s] = (float)summary.Mean;
                destination[(2 * s) + 1] = (float)summary.StandardDeviation;
            }
            else
            {
                destination[2 * s] = centre[2 * s];
                destination[(2 * s) + 1] = centre[(2 * s) + 1];
                imputed |= (SmartHomeSensors)(1 << s);
            }
        }

        return imputed;
    }
}
