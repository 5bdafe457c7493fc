namespace FedEdge.Sensors.Datasets;

/// <summary>
/// A read-only view of another stream that counts the bytes handed out and never hands out more
/// than <c>limit + 1</c>, so a reader can tell "exactly at the limit" from "over it" without
/// ever pulling an unbounded amount through (e.g. from a gzip bomb).
/// </summary>
internal sealed class ByteCountingStream(Stream inner, long limit) : Stream
{
    private readonly long _cap = limit == long.MaxValue ? long.MaxValue : limit + 1;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer[..Allowed(buffer.Length)]);
        BytesRead += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken).ConfigureAwait(false);
        BytesRead += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Allowed(int requested) => (int)Math.Min(requested, _cap - BytesRead);
}
