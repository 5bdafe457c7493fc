using System.Buffers;
using System.Text.Json;
using FedEdge.Protocol.Transport;

namespace FedEdge.Device.Prediction;

/// <summary>
/// Publishes predictions as retained JSON on <c>fededge/v1/{fleet}/predictions/{device}</c>, and the device's Home
/// Assistant discovery configs (retained, so HA finds them after its own restart) — or their removal.
/// </summary>
public sealed class PredictionPublisher
{
    private readonly IAcknowledgedPublisher _client;
    private readonly HomeAssistantDiscovery _discovery;

    /// <summary>Creates the publisher over an acknowledged (QoS 1) client.</summary>
    public PredictionPublisher(IAcknowledgedPublisher client, HomeAssistantDiscovery discovery)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(discovery);
        _client = client;
        _discovery = discovery;
    }

    /// <summary>The JSON state HA reads: activity, probability, model, model_version, time (Unix ms and ISO 8601).</summary>
    public static byte[] Payload(ActivityPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("activity", prediction.Activity);
            json.WriteNumber("class_index", prediction.ClassIndex);
            json.WriteNumber("probability", Math.Round(prediction.Probability, 4));
            json.WriteString("model", prediction.Model);
            json.WriteNumber("model_version", prediction.ModelVersion);
            json.WriteNumber("timestamp_ms", prediction.Time.ToUnixTimeMilliseconds());
            json.WriteString("time", prediction.Time.ToUniversalTime());
            json.WriteEndObject();
        }

        return buffer.WrittenMemory.ToArray();
    }

    /// <summary>
    /// Publishes every discovery config (<paramref name="announce"/>) or an empty retained payload on each of their
    /// topics, which removes the entities from HA and the configs from the broker. The agent calls it on every
    /// (re)connect: a broker that lost its retained store, or an HA that missed a removal, is set right each time.
    /// </summary>
    /// <exception cref="TransportUnavailableException">The broker went away; the next connection announces again.</exception>
    /// <exception cref="PublishRejectedException">The broker refused (e.g. the ACL lacks the discovery topic).</exception>
    public async Task AnnounceAsync(bool announce, CancellationToken cancellationToken)
    {
        foreach (var config in announce ? _discovery.Configs() : _discovery.Removals())
        {
            await _client.PublishAsync(config.Topic, config.Payload, retain: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Publishes <paramref name="prediction"/> retained.</summary>
    /// <exception cref="TransportUnavailableException">The broker went away; the next prediction tries again.</exception>
    /// <exception cref="PublishRejectedException">The broker refused the topic.</exception>
    public async Task PublishAsync(ActivityPrediction prediction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        await _client.PublishAsync(_discovery.StateTopic, Payload(prediction), retain: true, cancellationToken).ConfigureAwait(false);
    }
}
