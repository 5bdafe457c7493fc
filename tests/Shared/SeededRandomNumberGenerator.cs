using System.Security.Cryptography;

namespace FedEdge.Core.Tests.Privacy;

/// <summary>A deterministic stand-in for the OS generator so that reproducibility can be tested. Tests only.</summary>
internal sealed class SeededRandomNumberGenerator(int seed) : RandomNumberGenerator
{
    private readonly Random _random = new(seed);

    public override void GetBytes(byte[] data) => _random.NextBytes(data);

    public override void GetBytes(byte[] data, int offset, int count) => _random.NextBytes(data.AsSpan(offset, count));

    public override void GetBytes(Span<byte> data) => _random.NextBytes(data);

    public override void GetNonZeroBytes(byte[] data) => throw new NotSupportedException();
}
