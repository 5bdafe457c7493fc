namespace FedEdge.Simulation.Clock;

/// <summary>
/// A <see cref="Random"/> whose sequence restarts from a new seed on <see cref="Reseed"/>: one long-lived consumer (a
/// personalizer, which keeps its ONNX Runtime sessions) then draws each device's randomness from that device's own seed,
/// so what it computes for a device depends on the run seed and the device only — not on which worker evaluated it or
/// in which order. Every virtual member delegates to the current <see cref="Random"/>. Not thread-safe (one per worker).
/// </summary>
internal sealed class ReseedableRandom : Random
{
    private Random _current;

    public ReseedableRandom(int seed) => _current = new Random(seed);

    /// <summary>Restarts the sequence: what follows is exactly what <c>new Random(seed)</c> would give.</summary>
    public void Reseed(int seed) => _current = new Random(seed);

    public override int Next() => _current.Next();

    public override int Next(int maxValue) => _current.Next(maxValue);

    public override int Next(int minValue, int maxValue) => _current.Next(minValue, maxValue);

    public override long NextInt64() => _current.NextInt64();

    public override long NextInt64(long maxValue) => _current.NextInt64(maxValue);

    public override long NextInt64(long minValue, long maxValue) => _current.NextInt64(minValue, maxValue);

    public override float NextSingle() => _current.NextSingle();

    public override double NextDouble() => _current.NextDouble();

    public override void NextBytes(byte[] buffer) => _current.NextBytes(buffer);

    public override void NextBytes(Span<byte> buffer) => _current.NextBytes(buffer);

    protected override double Sample() => _current.NextDouble();
}
