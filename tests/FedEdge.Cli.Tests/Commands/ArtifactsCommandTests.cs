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
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("dense7.weight", run.Error, StringComparison.Ordinal);
    }
}
