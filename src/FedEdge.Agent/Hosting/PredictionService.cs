using FedEdge.Sensors.Features;
using FedEdge.Core.Data;
using FedEdge.Device.Agent;
using FedEdge.Device.Configuration;
using FedEdge.Device.Models;
using FedEdge.Device.Personalization;
using FedEdge.Device.Prediction;
using FedEdge.Device.Sampling;
using FedEdge.Protocol.Transport;
using FedEdge.Sensors.Simulated;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// Classifies the newest feature window every Prediction:Interval with the served model — the personal one when
/// personalization chose it, else the installed global model (both in memory, nothing read from disk) — and publishes
/// the prediction for Home Assistant.
/// </summary>
public sealed partial class PredictionService(
    IOptions<AgentOptions> options,
    InstalledModelState installed,
    ServedModelState served,
    ReconnectingMqttClient client,
    PredictionPublisher predictions,
    TimeProvider time,
    ILogger<PredictionService> logger,
    LatestFeatures? latest = null) : BackgroundService
{
    private const int SimulatedPredictionWindows = 288; // one simulated day of 5-minute windows
    private readonly AgentOptions _options = options.Value;
    private ActivityClassifier? _classifier;
    private long _classifierRevision = -1;
    private DateTimeOffset _nextPrediction;
    private Dataset? _simulatedWindows;
    private int _simulatedNext;

    /// <inheritdoc/>
    public override void Dispose()
    {
        _classifier?.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Prediction.Enabled)
        {
            return;
        }

        using var ticker = new PeriodicTimer(_options.CheckInterval, time);
        try
        {
            while (await ticker.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await PredictIfDueAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task PredictIfDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var model = installed.Current;
        if (model is null || now < _nextPrediction || !client.IsConnected)
        {
            return;
        }

        _nextPrediction = now + _options.Prediction.Interval;
        var choice = served.Current;
        if (_classifier is null || _classifier.ModelVersion != model.Version || _classifierRevision != choice.Revision)
        {
            _classifier?.Dispose();
            _classifier = null;
            _classifierRevision = choice.Revision;
            if (choice.ServesPersonalFor(model.Version))
            {
                _classifier = ActivityClassifier.Create(choice.Architecture!, choice.Parameters!, model.Version, ActivityClassifier.PersonalModelSource, SmartHomeSchema.ClassNames);
            }
            else if (ActivityClassifier.TryCreate(model, SmartHomeSchema.ClassNames, out var created, out string problem))
            {
                _classifier = created;
            }
            else
            {
                LogPredictionFailed(model.Version, problem);
                return;
            }
        }

        if (!TryNewestWindow(out float[] raw, out var windowEnd) || raw.Length != _classifier.Architecture.Inputs)
        {
            return;
        }

        // the model was trained on standardised features (ILocalSamples), so it predicts on the same scale
        var standardized = SmartHomeSchema.Standardize(new Dataset(raw, [0], raw.Length, SmartHomeSchema.ClassCount));
        var prediction = _classifier.Predict(standardized.Row(0), windowEnd);
        try
        {
            await predictions.PublishAsync(prediction, cancellationToken).ConfigureAwait(false);
            LogPredicted(prediction.Activity, prediction.Probability, prediction.Model, prediction.ModelVersion);
        }
        catch (TransportUnavailableException ex)
        {
            LogPredictionDeferred(ex.Message);
        }
        catch (PublishRejectedException ex)
        {
            LogPredictionRejected(ex.Message); // most likely the ACL lacks the predictions or discovery lines (deploy/mosquitto/acl)
        }
    }

    private bool TryNewestWindow(out float[] features, out DateTimeOffset windowEnd)
    {
        if (!_options.SimulatedSensors)
        {
            features = [];
            windowEnd = default;
            return latest is not null && latest.TryGet(out features, out windowEnd);
        }

        // no clock of its own: each prediction classifies the next of a fixed, generated-once set of windows
        _simulatedWindows ??= new SmartHomeActivityGenerator(DeviceRandomness.Seed(_options.DeviceId)).GenerateHome(0, SimulatedPredictionWindows);
        features = _simulatedWindows.Row(_simulatedNext).ToArray();
        _simulatedNext = (_simulatedNext + 1) % _simulatedWindows.Count;
        windowEnd = time.GetUtcNow();
        return true;
    }

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Cannot predict with model version {Version}: {Problem}")]
    private partial void LogPredictionFailed(ulong version, string problem);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Predicted {Activity} (p = {Probability:F3}) with the {Model} model (global v{Version})")]
    private partial void LogPredicted(string activity, double probability, string model, ulong version);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Broker unavailable; prediction deferred: {Reason}")]
    private partial void LogPredictionDeferred(string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Broker refused the prediction or its discovery config (check the ACL): {Reason}")]
    private partial void LogPredictionRejected(string reason);
}
