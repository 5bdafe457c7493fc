using FedEdge.Onnx.Checkpoints;

namespace FedEdge.Cli.Tests.Commands;

public class ArtifactsCommandTests
{
    [Fact]
    public async Task Artifacts_writes_the_four_files_with_the_requested_trainable_subset()
    {
        using var dir = new TempDirectory();
        var run = await CliRun.InvokeAsync("artifacts", "--model", "mlp", "--inputs", "64", "--hidden", "32", "--classes", "10", "--trainable", "last", "--out", dir.Path);
        Assert.Equal(0, run.ExitCode);
        foreach (string file in new[] { "training_model.onnx", "eval_model.onnx", "optimizer_model.onnx", "checkpoint" })
        {
            Assert.True(File.Exists(dir.File(file)), $"{file} missing; output:\n{run.Output}");
        }

        var checkpoint = Checkpoint.Load(dir.File("checkpoint"));
        Assert.Equal("mlp-64-32-10", checkpoint.Architecture.ToString());
        Assert.Equal(["dense1.weight", "dense1.bias"], checkpoint.Trainable);
    }

    [Fact]
    public async Task An_unknown_trainable_tensor_is_reported_by_name()
    {
        using var dir = new TempDirectory();
        var run = await CliRun.InvokeAsync("artifacts", "--inputs", "4", "--classes", "2", "--trainable", "dense7.weight", "--out", dir.Path);
        run.AssertRefused("--trainable 'dense7.weight'");
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("/proc/fededge-artifacts")]
    [InlineData("a-file/artifacts")]
    public async Task An_unwritable_out_is_refused_with_one_line_and_no_stack_trace(string target)
    {
        using var dir = new TempDirectory();
        dir.WriteText("a-file", "not a directory");
        string path = target.StartsWith('/') ? target : Path.Combine(dir.Path, target);

        var run = await CliRun.InvokeAsync("artifacts", "--inputs", "4", "--classes", "2", "--out", path);

        run.AssertRefused("--out " + path);
    }

    [Theory]
    [InlineData("--inputs", "0")]
    [InlineData("--classes", "1")]
    [InlineData("--hidden", "70000")]
    public async Task A_size_out_of_range_is_refused_naming_the_flag_and_nothing_is_written(string flag, string value)
    {
        using var dir = new TempDirectory();
        string[] args = ["artifacts", "--inputs", "4", "--classes", "2", "--out", dir.Path];
        var run = await CliRun.InvokeAsync(CliRun.With(args, flag, value));

        run.AssertRefused(flag);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task A_model_too_large_to_build_is_refused_naming_its_size_flags_and_nothing_is_written()
    {
        using var dir = new TempDirectory();

        var run = await CliRun.InvokeAsync("artifacts", "--inputs", "65536", "--hidden", "65536", "--classes", "2", "--out", dir.Path);

        run.AssertRefused("--inputs/--hidden/--classes");
        Assert.Contains("dense0.weight", run.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
