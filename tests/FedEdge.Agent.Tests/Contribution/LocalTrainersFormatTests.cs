using FedEdge.Core.Models;
using FedEdge.Device.Contribution;
using FedEdge.Onnx.Artifacts;

namespace FedEdge.Agent.Tests.Contribution;

/// <summary>The device's dense trainer cache across an artifact format change (format 3 changed the training graphs' interface).</summary>
public sealed class LocalTrainersFormatTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_cached_set_of_an_older_artifact_format_is_regenerated_and_trains(bool dpSgd)
    {
        using var dir = new TempDirectory();
        var arch = ModelArchitecture.Parse("mlp-14-8-5");
        string manifest;
        using (var earlier = new LocalTrainers(dir.Path))
        {
            manifest = earlier.Get(arch, dpSgd, 16).Artifacts.Manifest;
        }

        // what an older FedEdge left on disk: a complete set whose manifest says format 2
        File.WriteAllText(manifest, $"{{\"format\":2,\"trainingGraph\":\"{(dpSgd ? ArtifactManifest.PerExampleGraph : ArtifactManifest.PlainGraph)}\"}}");
        using var later = new LocalTrainers(dir.Path);
        var trainer = later.Get(arch, dpSgd, 16);
        Assert.Equal(ArtifactManifest.CurrentFormat, ArtifactManifest.Load(manifest).Format);
        Assert.Equal(dpSgd, trainer.PerExampleClipping);

        var random = new Random(5);
        float[] features = [.. Enumerable.Range(0, 4 * arch.Inputs).Select(_ => (float)random.NextDouble())];
        float loss = trainer.ComputeGradients(features, [0, 1, 2, 3]);
        Assert.True(float.IsFinite(loss) && loss > 0, $"loss {loss}");
    }
}
