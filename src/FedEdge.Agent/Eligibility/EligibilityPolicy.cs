using System.Globalization;

namespace FedEdge.Agent.Eligibility;

/// <summary>
/// Combines the signals into a decision with hysteresis, so the device neither flaps nor trains
/// on a hot or unplugged board: power must have been good for <see cref="EligibilityOptions.PowerStableFor"/>
/// before a run starts, but losing it stops the run at once; once too hot, the board must cool by
/// the hysteresis margin before training resumes. Not thread-safe: one policy per scheduler.
/// </summary>
public sealed class EligibilityPolicy
{
    private readonly EligibilityOptions _options;
    private DateTimeOffset? _powerGoodSince;
    private bool _hot;

    /// <summary>Creates a policy; the options are validated.</summary>
    public EligibilityPolicy(EligibilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Evaluates the signals observed at <paramref name="now"/>.</summary>
    public EligibilityDecision Evaluate(EligibilitySignals signals, DateTimeOffset now)
    {
        var blockers = new List<string>();
        if (!signals.Idle)
        {
            blockers.Add("not idle");
        }

        if (signals.Power is PowerState.Charging or PowerState.Mains)
        {
            _powerGoodSince ??= now;
            if (now - _powerGoodSince.Value < _options.PowerStableFor)
            {
                blockers.Add(string.Create(CultureInfo.InvariantCulture, $"power good for only {(now - _powerGoodSince.Value).TotalSeconds:F0} s"));
            }
        }
        else
        {
            _powerGoodSince = null;
            blockers.Add(signals.Power == PowerState.OnBattery ? "on battery" : "power state unknown");
        }

        if (signals.TemperatureCelsius is double celsius)
        {
            if (celsius >= _options.MaxTemperatureCelsius)
            {
                _hot = true;
            }
            else if (celsius <= _options.MaxTemperatureCelsius - _options.TemperatureHysteresisCelsius)
            {
                _hot = false;
            }

            if (_hot)
            {
                blockers.Add(string.Create(CultureInfo.InvariantCulture, $"too hot ({celsius:F1} °C)"));
            }
        }

        if (!signals.PrivacyBudgetLeft)
        {
            blockers.Add("privacy budget spent");
        }

        if (!signals.HasWork)
        {
            blockers.Add("no newer model and not enough new samples");
        }

        if (!signals.PaceInvites)
        {
            blockers.Add("outside the aggregator's check-in window");
        }

        return new EligibilityDecision(blockers.Count == 0, blockers);
    }
}
