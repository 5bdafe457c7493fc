using FedEdge.Device.Sampling;
using FedEdge.Device.Agent;
using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FedEdge.Device.Eligibility;
using FedEdge.Device.Models;
using FedEdge.Device.Personalization;
using FedEdge.Device.Prediction;
using FedEdge.Core.Codecs;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Training;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// The on-device personalization loop (issue 8/8, issue 18 item 6): keeps the personal models of the
/// configured mode (one, or in Auto mode one per candidate) based on the installed global model,
/// trains them one after another on the local samples while the device is idle, powered and cool,
/// stores them with the served choice, and decides which model <see cref="ServedModelState"/> serves
/// (the served one is the incumbent of the next decision, also after a restart).
/// </summary>
/// <remarks>
/// <para>It has no broker connection at all: it reads the global model the agent installed
/// (<see cref="InstalledModelState"/>, in memory and already decoded) and the sample store, so it keeps improving the personal
/// model while the broker is unreachable. Personal training releases nothing, so neither the
/// privacy budget nor the aggregator's pace gate it (EligibilitySignals are filled as "afforded"
/// and "invited"); idle, power and temperature still do.</para>
/// <para>Bounds: one cycle per <see cref="AgentPersonalizationOptions.CheckInterval"/>, one
/// training run per <see cref="AgentPersonalizationOptions.MinTrainingInterval"/>, each run at most
/// the configured epochs over at most MaxTrainingSamples samples, stopped within one step once
/// the device is no longer eligible.</para>
/// </remarks>
public sealed partial class PersonalizationService : BackgroundService
{
    private static readonly TimeSpan EligibilityRecheck = TimeSpan.FromSeconds(1);
    private readonly AgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<PersonalizationService> _logger;
    private readonly ServedModelState _served;
    private readonly IPowerSource _power;
    private readonly ICpuTimesSource _cpu;
    private readonly ILocalSamples _samples;
    private readonly SysfsThermal _thermal;
    private readonly EligibilityPolicy _policy;
    private readonly IdleTracker _idle;
    private Personalizer? _personalizer;
    private PersonalModelStore? _store;
    private readonly InstalledModelState _installed;
    private PeriodicTimer? _timer;
    private PersonalModelSet? _personal;
    private ParameterSet? _global;
    private ulong _globalVersion;
    private ulong _refusedVersion;
    private DateTimeOffset _nextTraining;

    /// <summary>Creates the service (nothing is opened before <see cref="StartAsync"/>).</summary>
    /// <param name="options">The agent's settings; <see cref="AgentOptions.Personalization"/> Mode None disables the service.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="served">Where the serving choice goes (shared with the prediction and status code).</param>
    /// <param name="installed">The installed global model, in memory (set by the agent's core).</param>
    /// <param name="power">The power source (shared, from DI).</param>
    /// <param name="cpu">CPU times for the idle decision.</param>
    /// <param name="thermal">Thermal zones.</param>
    /// <param name="samples">The samples the agent trains on (the sampler's store, or a simulated home).</param>
    public PersonalizationService(
        IOptions<AgentOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        ServedModelState served,
        InstalledModelState installed,
        IPowerSource power,
        ICpuTimesSource cpu,
        SysfsThermal thermal,
        ILocalSamples samples)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(served);
        ArgumentNullException.ThrowIfNull(installed);
        _installed = installed;
        _options = options.Value;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<PersonalizationService>();
        _served = served;
        ArgumentNullException.ThrowIfNull(power);
        ArgumentNullException.ThrowIfNull(cpu);
        ArgumentNullException.ThrowIfNull(thermal);
        ArgumentNullException.ThrowIfNull(samples);
        _power = power;
        _cpu = cpu;
        _samples = samples;
        _thermal = thermal;
        _policy = new EligibilityPolicy(_options.Eligibility);
        _idle = new IdleTracker(_options.Eligibility.IdleLoadThreshold, _options.Eligibility.IdleFor);
    }

    /// <summary>Whether personalization is configured (Mode is not None).</summary>
    public bool Enabled => _options.Personalization.Mode != PersonalizationMode.None;

    /// <summary>The settings the personalizer runs with.</summary>
    internal PersonalizationOptions LibraryOptions =>
        _options.Personalization.ToPersonalizationOptions(_options.StateDirectory, _options.Training.Threads);

    /// <summary>Opens the stores and loads the stored personal model (a corrupt file is set aside and logged, never fatal).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return Task.CompletedTask;
        }

        Open();
        _timer = new PeriodicTimer(_options.Personalization.CheckInterval, _time);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>The served personal model in memory, else the first one (tests only: it must not leave the process).</summary>
    internal PersonalModel? Personal => _personal is null ? null : _personal.ServedModel ?? _personal.Models[0];

    /// <summary>All personal models in memory and the served choice (tests only).</summary>
    internal PersonalModelSet? PersonalSet => _personal;

    /// <summary>Opens the stores and loads the stored personal model without starting the loop (tests drive <see cref="RunCycleAsync"/>).</summary>
    internal void Open()
    {
        string state = _options.StateDirectory;
        Directory.CreateDirectory(state);
        string modelDirectory = Path.Combine(state, "model");
        _store = new PersonalModelStore(modelDirectory);
        _personalizer = new Personalizer(LibraryOptions, new Random(DeviceRandomness.Seed(_options.DeviceId)), _loggers.CreateLogger<Personalizer>());
        _personal = LoadStored(_store);

        // the load is a difference of two readings: take the first now, so the first cycle can tell
        _idle.Update(_cpu.Read(), _time.GetUtcNow());
    }

    /// <summary>The current split of the local samples (tests compare it across restarts).</summary>
    internal LocalSplit CurrentSplit() =>
        (_personalizer ?? throw new InvalidOperationException("Open the service first.")).Split.Split(LocalSamples());

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _personalizer?.Dispose();
        _personalizer = null;
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _timer?.Dispose();
        _personalizer?.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// One cycle: follow the installed global model (re-basing the personal model), then, when due
    /// and eligible, train, store and re-choose the served model. Called by the loop every
    /// CheckInterval; tests call it directly.
    /// </summary>
    /// <returns>A one-line account of what the cycle did.</returns>
    public async Task<string> RunCycleAsync(CancellationToken cancellationToken)
    {
        var personalizer = _personalizer ?? throw new InvalidOperationException("Start the service first (and configure a personalization mode).");
        var installed = _installed.Current;
        if (installed is null)
        {
            return "no global model installed yet";
        }

        bool rebased = false;
        if (_global is null || installed.Version != _globalVersion)
        {
            if (installed.Version == _refusedVersion || !TryFollow(personalizer, installed))
            {
                return $"global model v{installed.Version} cannot be personalised";
            }

            rebased = true;
        }

        var global = _global!;
        var samples = LocalSamples();
        if (personalizer.MustReinitialise(_personal!, samples))
        {
            // the device grew out of cross-validation: its validation split now decides, and it holds samples
            // the kept models trained on (they were trained on all of them), which would favour them
            _personal = personalizer.ReinitialiseAll(installed.Architecture, global, _globalVersion,
                "the validation split has grown to decide on its own and holds samples the cross-validated models trained on");
            _store!.Save(_personal);
            rebased = true;
        }

        var personal = _personal!;
        int storedServed = personal.Served;
        var split = personalizer.Split.Split(samples);
        var now = _time.GetUtcNow();
        string account;
        bool trained = false;
        ServingChoice? choice = null;
        if (now < _nextTraining)
        {
            account = "waiting for the next training slot";
        }
        else
        {
            bool enoughSamples = split.Train.Count >= personalizer.Options.MinTrainingSamples;
            var decision = _policy.Evaluate(Signals(enoughSamples, now), now);
            if (!decision.Eligible)
            {
                account = "not eligible: " + decision;
                LogNotEligible(decision);
            }
            else
            {
                var lastCheck = now;
                bool eligible = true;
                bool StillEligible()
                {
                    var t = _time.GetUtcNow();
                    if (eligible && t - lastCheck >= EligibilityRecheck)
                    {
                        eligible = _policy.Evaluate(Signals(enoughSamples: true, t), t).Eligible;
                        lastCheck = t;
                    }

                    return eligible && !cancellationToken.IsCancellationRequested;
                }

                // the folds of a cross-validated choice run here too, under the same eligibility checks
                var run = await Task.Run(() => personalizer.TrainAndChoose(personal, global, samples, StillEligible, cancellationToken), cancellationToken).ConfigureAwait(false);
                var result = run.Training;
                if (result.Steps > 0 && result.Outcome != PersonalTrainingOutcome.Diverged)
                {
                    _store!.Save(personal);
                    storedServed = personal.Served;
                    trained = true;
                }

                if (result.Outcome == PersonalTrainingOutcome.Trained)
                {
                    _nextTraining = _time.GetUtcNow() + _options.Personalization.MinTrainingInterval;
                }

                choice = run.Choice;
                account = run.CrossValidation is { } folds
                    ? $"{result.Outcome}: {result.Message}; chosen by {folds.Folds}-fold cross-validation over {folds.Samples} samples ({folds.Steps} more steps)"
                    : $"{result.Outcome}: {result.Message}";
            }
        }

        if (choice is null && (trained || rebased || _served.Current.GlobalVersion != _globalVersion || _served.Current.Revision == 0))
        {
            choice = personalizer.ChooseWithoutTraining(personal, global, samples);
        }

        if (choice is not null)
        {
            if (personal.Served != storedServed)
            {
                // the served candidate is the incumbent of the next choice, also after a restart
                _store!.Save(personal);
            }

            Serve(personal, global, choice);
        }

        return account;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer!;
        try
        {
            do
            {
                try
                {
                    string account = await RunCycleAsync(stoppingToken).ConfigureAwait(false);
                    LogCycle(account);
                }
                catch (Exception ex) when (ex is IOException or TrainingArtifactException or SampleStoreFormatException or Microsoft.Data.Sqlite.SqliteException or UnauthorizedAccessException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                {
                    // predictions keep being served from the last choice; the next check tries again
                    LogCycleFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping: steps already taken are in memory only until the next save; the stored model is the last complete one
        }
    }

    private PersonalModelSet? LoadStored(PersonalModelStore store)
    {
        try
        {
            return store.LoadSet();
        }
        catch (PersonalModelCorruptException ex)
        {
            // keep the damaged file for inspection, out of the way of the next save (which would
            // otherwise copy it over the good previous file)
            string aside = store.CurrentPath + ".corrupt";
            File.Move(store.CurrentPath, aside, overwrite: true);
            LogCorrupt(ex.Message, aside);
        }

        try
        {
            var previous = store.LoadPreviousSet();
            if (previous is not null)
            {
                LogRecoveredPrevious(store.PreviousPath);
            }

            return previous;
        }
        catch (PersonalModelCorruptException ex)
        {
            LogCorrupt(ex.Message, store.PreviousPath);
            return null;
        }
    }

    private bool TryFollow(Personalizer personalizer, InstalledModel installed)
    {
        var architecture = installed.Architecture;
        if (!SmartHomeSchema.Fits(architecture.Inputs, architecture.Classes))
        {
            // the samples (and the prediction path) are the 14 smart-home features and their named classes
            _refusedVersion = installed.Version;
            LogGlobalUnusable(installed.Version, $"{architecture} does not fit the {SmartHomeSchema.FeatureNames.Count} smart-home features and {SmartHomeSchema.ClassNames.Count} activities");
            return false;
        }

        // the installed parameters are shared with contribution and prediction: the personal side works on its own copy
        var global = installed.Parameters.Clone();
        var rebased = personalizer.RebaseAll(_personal, architecture, global, installed.Version);
        if (!ReferenceEquals(rebased, _personal))
        {
            _store!.Save(rebased);
        }

        _personal = rebased;
        _global = global;
        _globalVersion = installed.Version;
        return true;
    }

    private void Serve(PersonalModelSet personal, ParameterSet global, ServingChoice choice)
    {
        if (personal.ServedModel is { } served)
        {
            _served.ServePersonal(choice, _globalVersion, served.Architecture, served.Compose(global));
        }
        else
        {
            _served.ServeGlobal(choice, _globalVersion);
        }
    }

    /// <summary>The same data and scaling as the agent's contributions (<see cref="ILocalSamples"/>).</summary>
    private Dataset LocalSamples()
    {
        var options = _personalizer!.Options;
        return _samples.ReadNewest(options.MaxTrainingSamples + options.MaxValidationSamples);
    }

    private EligibilitySignals Signals(bool enoughSamples, DateTimeOffset now)
    {
        bool idle = _idle.Update(_cpu.Read(), now);

        // personal training releases nothing: no privacy cost, no pace to respect
        return new EligibilitySignals(idle, _power.Read(), _thermal.ReadCelsius(), PrivacyBudgetLeft: true, HasWork: enoughSamples, PaceInvites: true);
    }

    [LoggerMessage(EventId = 126, Level = LogLevel.Warning, Message = "Stored personal model is unreadable ({Problem}); moved to {Aside}, falling back to the previous one or a fresh one from the global model")]
    private partial void LogCorrupt(string problem, string aside);

    [LoggerMessage(EventId = 127, Level = LogLevel.Warning, Message = "Recovered the personal model saved before the damaged one ({Path})")]
    private partial void LogRecoveredPrevious(string path);

    [LoggerMessage(EventId = 128, Level = LogLevel.Warning, Message = "Global model v{Version} cannot be personalised: {Problem}")]
    private partial void LogGlobalUnusable(ulong version, string problem);

    [LoggerMessage(EventId = 129, Level = LogLevel.Debug, Message = "Personal training not eligible: {Blockers}")]
    private partial void LogNotEligible(EligibilityDecision blockers);

    [LoggerMessage(EventId = 130, Level = LogLevel.Debug, Message = "Personalization cycle: {Account}")]
    private partial void LogCycle(string account);

    [LoggerMessage(EventId = 131, Level = LogLevel.Error, Message = "Personalization cycle failed; the served model is unchanged and the next check tries again")]
    private partial void LogCycleFailed(Exception exception);
}
