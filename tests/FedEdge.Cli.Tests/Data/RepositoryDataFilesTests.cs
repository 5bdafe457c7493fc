using FedEdge.Cli.Data;

namespace FedEdge.Cli.Tests.Data;

public class RepositoryDataFilesTests
{
    [Fact]
    public void From_a_folder_inside_the_clone_it_finds_the_digits_the_repository_ships()
    {
        string data = Path.GetDirectoryName(SharedDataFiles.DigitsPath())!;
        string inside = Path.Combine(Path.GetDirectoryName(data)!, "src", "FedEdge.Cli");

        string? found = RepositoryDataFiles.TryFind(RepositoryDataFiles.DigitsFileName, [inside]);

        Assert.Equal(SharedDataFiles.DigitsPath(), found);
    }

    [Fact]
    public void The_search_walks_up_from_a_start_to_the_nearest_data_folder()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("data"));
        string file = dir.WriteText(Path.Combine("data", "x.csv"), "1,0\n");
        string deep = Directory.CreateDirectory(Path.Combine(dir.Path, "a", "b")).FullName;

        Assert.Equal(file, RepositoryDataFiles.TryFind("x.csv", [deep]));
    }

    [Fact]
    public void The_first_start_that_has_the_file_wins()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        Directory.CreateDirectory(first.File("data"));
        Directory.CreateDirectory(second.File("data"));
        string expected = first.WriteText(Path.Combine("data", "x.csv"), "1,0\n");
        second.WriteText(Path.Combine("data", "x.csv"), "2,1\n");

        Assert.Equal(expected, RepositoryDataFiles.TryFind("x.csv", [first.Path, second.Path]));
    }

    [Fact]
    public void A_file_in_no_data_folder_above_any_start_is_not_found()
    {
        using var dir = new TempDirectory();

        Assert.Null(RepositoryDataFiles.TryFind("no-such-data-file.csv", [dir.Path]));
    }

    [Fact]
    public void The_not_found_message_names_every_start_and_where_to_copy_the_file()
    {
        string message = RepositoryDataFiles.NotFoundMessage("digits.csv.gz", ["/home/u/work", "/opt/fededge"]);

        Assert.Contains("data/digits.csv.gz was not found in /home/u/work or /opt/fededge or any directory above", message, StringComparison.Ordinal);
        Assert.EndsWith("copy it to /home/u/work/data/digits.csv.gz", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }
}
