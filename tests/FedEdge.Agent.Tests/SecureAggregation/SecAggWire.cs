using FedEdge.Protocol.Transport;

namespace FedEdge.Agent.Tests.SecureAggregation;

/// <summary>What the distributed-mode tests share: a publisher that records what the node publishes, and the device's clip.</summary>
internal static class SecAggWire
{
    /// <summary>The update as the participant clips it to L2 norm <paramref name="clipNorm"/> (before rotation and rounding).</summary>
    public static double[] Clipped(float[] update, double clipNorm = 1.0)
    {
        double norm = Math.Sqrt(update.Sum(v => (double)v * v));
        double scale = Math.Min(1.0, clipNorm / norm);
        return [.. update.Select(v => v * scale)];
    }

    /// <summary>Records every publication and acknowledges it at once; <see cref="Take"/> reads what came since the last call.</summary>
    public sealed class Publisher : IAcknowledgedPublisher
    {
        private readonly List<(string Topic, byte[] Payload, bool Retain)> _published = [];
        private int _taken;

        public IReadOnlyList<(string Topic, byte[] Payload, bool Retain)> Published => _published;

        public Task<PublishAcknowledgement> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
        {
            _published.Add((topic, payload.ToArray(), retain));
            return Task.FromResult(default(PublishAcknowledgement));
        }

        /// <summary>The publications since the last call that match.</summary>
        public List<(string Topic, byte[] Payload, bool Retain)> Take(Func<(string Topic, byte[] Payload, bool Retain), bool> match)
        {
            var taken = _published.Skip(_taken).Where(match).ToList();
            _taken = _published.Count;
            return taken;
        }

        /// <summary>The inbox messages published since the last call.</summary>
        public List<(string Topic, byte[] Payload, bool Retain)> TakeInboxes() => Take(p => p.Topic.Contains("/secagg-inbox/", StringComparison.Ordinal));
    }
}
