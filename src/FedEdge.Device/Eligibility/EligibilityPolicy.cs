using System.Globalization;

namespace FedEdge.Device.Eligibility;

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
        var kinds = EligibilityBlockers.None;
        if (!signals.Idle)
        {
            kinds |= EligibilityBlockers.NotIdle;
            blockers.Add(signals.IdleSoFar is TimeSpan soFar && soFar > TimeSpan.Zero ? IdleProgress(soFar, _options.IdleFor) : "not idle");
        }

        if (signals.Power is PowerState.Charging or PowerState.Mains)
        {
            _powerGoodSince ??= now;
            if (now - _powerGoodSince.Value < _options.PowerStableFor)
            {
                kinds |= EligibilityBlockers.PowerNotStable;
                blockers.Add(string.Create(CultureInfo.InvariantCulture, $"power good for only {(now - _powerGoodSince.Value).TotalSeconds:F0} s"));
            }
        }
        else
        {
            _powerGoodSince = null;
            kinds |= signals.Power == PowerState.OnBattery ? EligibilityBlockers.OnBattery : EligibilityBlockers.PowerUnknown;
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
                kinds |= EligibilityBlockers.TooHot;
                blockers.Add(string.Create(CultureInfo.InvariantCulture, $"too hot ({celsius:F1} °C)"));
            }
        }

        if (!signals.PrivacyBudgetLeft)
        {
            kinds |= EligibilityBlockers.PrivacyBudgetSpent;
            blockers.Add("privacy budget spent");
        }

        if (!signals.HasWork)
        {
            kinds |= EligibilityBlockers.NoWork;
            blockers.Add("no newer model and not enough new samples");
        }

        if (!signals.PaceInvites)
        {
            kinds |= EligibilityBlockers.OutsideCheckInWindow;
            blockers.Add("outside the aggregator's check-in window");
        }

        return new EligibilityDecision(blockers.Count == 0, blockers) { Kinds = kinds };
    }

    /// <summary>"idle for 2 of 5 min" (or seconds below two minutes): how far the idle timer has come.</summary>
    private static string IdleProgress(TimeSpan soFar, TimeSpan needed) =>
        needed >= TimeSpan.FromMinutes(2)
            ? string.Create(CultureInfo.InvariantCulture, $"idle for {Math.Floor(soFar.TotalMinutes):F0} of {needed.TotalMinutes:0.#} min")
            : string.Create(CultureInfo.InvariantCulture, $"idle for {Math.Floor(soFar.TotalSeconds):F0} of {needed.TotalSeconds:0.#} s");
}
