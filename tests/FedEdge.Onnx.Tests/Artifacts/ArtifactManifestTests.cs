using FedEdge.Core.Models;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;

namespace FedEdge.Onnx.Tests.Artifacts;

public class ArtifactManifestTests
{
    [Fact]
    public void A_set_without_a_manifest_counts_as_incomplete_and_is_refused_naming_the_file()
    {
        // a directory written before artifact format 2 has the four older files only: a cache that checks
        // ArtifactSet.All regenerates it, and the trainer refuses it instead of failing inside ONNX Runtime
        using var dir = new TempDirectory();
        var set = TrainingArtifactGenerator.Generate(ModelArchitecture.Parse("mlp-4-3-2"), TrainableSet.All, OptimizerSettings.Default, dir.Path);
        File.Delete(set.Manifest);
        Assert.False(set.All.All(File.Exists));
        var ex = Assert.Throws<TrainingArtifactException>(() => OrtTrainer.Load(dir.Path));
        Assert.Contains(ArtifactNames.Manifest, ex.Message, StringComparison.Ordinal);
        Assert.Contains("regenerate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_of_another_format_is_refused_naming_both_formats()
    {
        using var dir = new TempDirectory();
        var set = TrainingArtifactGenerator.Generate(ModelArchitecture.Parse("mlp-4-3-2"), TrainableSet.All, OptimizerSettings.Default, dir.Path);
        File.WriteAllText(set.Manifest, "{\"format\":1,\"trainingGraph\":\"plain\"}");
        var ex = Assert.Throws<TrainingArtifactException>(() => OrtTrainer.Load(dir.Path));
        Assert.Contains("format 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"format {ArtifactManifest.CurrentFormat}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false, ArtifactManifest.PlainGraph)]
    [InlineData(true, false, ArtifactManifest.PerExampleGraph)]
    [InlineData(false, true, ArtifactManifest.ProximalGraph)]
    public void The_manifest_names_the_training_graph_and_only_dp_sets_have_the_clipped_sum_graph(bool clipping, bool proximal, string kind)
    {
        using var dir = new TempDirectory();
        var set = TrainingArtifactGenerator.Generate(
            ModelArchitecture.Parse("mlp-4-3-2"), TrainableSet.All, OptimizerSettings.Default, dir.Path, perExampleClipping: clipping, proximalTerm: proximal);
        var manifest = ArtifactManifest.Load(set.Manifest);
        Assert.Equal(ArtifactManifest.CurrentFormat, manifest.Format);
        Assert.Equal(kind, manifest.TrainingGraph);
        Assert.Equal(clipping, File.Exists(set.ClippedSumModel));
        Assert.True(set.All.All(File.Exists));
    }

    [Fact]
    public void Regenerating_a_dp_set_as_plain_removes_the_clipped_sum_graph()
    {
        using var dir = new TempDirectory();
        var arch = ModelArchitecture.Parse("mlp-4-3-2");
        var set = TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path, perExampleClipping: true);
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path);
        Assert.False(File.Exists(set.ClippedSumModel));
        using var trainer = OrtTrainer.Load(dir.Path);
        Assert.False(trainer.PerExampleClipping);
    }
}
