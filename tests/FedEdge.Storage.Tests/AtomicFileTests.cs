using FedEdge.Storage;

namespace FedEdge.Storage.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_replaces_the_file_and_leaves_no_temporary_file_behind()
    {
        string path = _dir.File("model");
        File.WriteAllBytes(path, [1, 2, 3]);

        AtomicFile.Write(path, [4, 5]);

        Assert.Equal([4, 5], File.ReadAllBytes(path));
        Assert.False(File.Exists(path + AtomicFile.TemporarySuffix));
    }

    [Fact]
    public void Write_through_a_stream_creates_a_new_file()
    {
        string path = _dir.File("diagnostics.json");

        AtomicFile.Write(path, stream => stream.Write("{}"u8));

        Assert.Equal("{}"u8.ToArray(), File.ReadAllBytes(path));
    }

    [Fact]
    public void A_writer_that_throws_leaves_the_old_contents_in_place()
    {
        string path = _dir.File("checkpoint");
        File.WriteAllBytes(path, [7]);

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, _ => throw new InvalidOperationException("crash mid-write")));

        Assert.Equal([7], File.ReadAllBytes(path));
    }

    [Fact]
    public void Copy_keeps_a_durable_copy_of_the_source()
    {
        string current = _dir.File("current.model");
        string previous = _dir.File("previous.model");
        File.WriteAllBytes(current, [9, 9]);

        AtomicFile.Copy(current, previous);

        Assert.Equal([9, 9], File.ReadAllBytes(previous));
        Assert.True(File.Exists(current));
    }
}
