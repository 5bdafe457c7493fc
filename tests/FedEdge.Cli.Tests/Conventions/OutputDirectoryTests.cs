using FedEdge.Cli.Conventions;

namespace FedEdge.Cli.Tests.Conventions;

public class OutputDirectoryTests
{
    [Fact]
    public void A_missing_directory_is_created_and_left_empty()
    {
        using var dir = new TempDirectory();
        string target = Path.Combine(dir.Path, "a", "b");

        string full = OutputDirectory.EnsureWritable("--out", target);

        Assert.Equal(target, full);
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
    }

    [Fact]
    public void Files_already_in_the_directory_are_left_alone()
    {
        using var dir = new TempDirectory();
        string kept = dir.WriteText("summary.json", "{}");

        OutputDirectory.EnsureWritable("--out", dir.Path);

        Assert.Equal([kept], Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void A_path_under_a_file_is_a_usage_error_naming_the_flag_and_the_path()
    {
        using var dir = new TempDirectory();
        string file = dir.WriteText("a-file", "x");
        string target = Path.Combine(file, "out");

        var ex = Assert.Throws<UsageException>(() => OutputDirectory.EnsureWritable("--work-dir", target));

        Assert.StartsWith($"--work-dir {target}: cannot write there", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }
}
