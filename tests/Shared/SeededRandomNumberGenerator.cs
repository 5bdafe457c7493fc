using System.Security.Cryptography;

namespace FedEdge.Tests.Shared;

/// <summary>
/// A deterministic stand-in for the OS generator: reproducibility tests, and statistical tests whose
/// thresholds (e.g. a 0.1 % KS level) would otherwise fail one run in a thousand by chance in CI. Tests only.
/// </summary>
internal sealed class SeededRandomNumberGenerator(int seed) : RandomNumberGenerator
{
    private readonly Random _random = new(seed);

    public override void GetBytes(byte[] data) => _random.NextBytes(data);

    public override void GetBytes(byte[] data, int offset, int count) => _random.NextBytes(data.AsSpan(offset, count));

    public override void GetBytes(Span<byte> data) => _random.NextBytes(data);

    public override void GetNonZeroBytes(byte[] data) => throw new NotSupportedException();
}
