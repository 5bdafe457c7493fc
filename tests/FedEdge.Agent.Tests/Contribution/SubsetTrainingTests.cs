using FedEdge.Aggregation.Engine;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Device.Contribution;
using FedEdge.Device.Models;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Features;

namespace FedEdge.Agent.Tests.Contribution;

/// <summary>FTTE on the device: the assigned subset is trained through subset artifacts, cached within a bound.</summary>
public sealed class SubsetTrainingTests
{
    [Fact]
    public async Task A_contribution_under_an_assigned_subset_trains_through_subset_artifacts_and_generates_no_dense_set()
    {
        using var fixture = new ContributionFixture(StrategyKind.Ftte);
        var model = fixture.CurrentModel();
        Assert.True(InstalledModel.TryDecode(model, "pi4", out var installed, out string problem), problem);
        Assert.NotNull(installed.Subset);

        var result = await fixture.Runner.RunAsync(installed, ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Enqueued, result.Outcome);
        string subsets = Path.Combine(fixture.ArtifactsDirectory, "subsets");
        Assert.Equal([subsets], Directory.GetDirectories(fixture.ArtifactsDirectory));
        string set = Assert.Single(Directory.GetDirectories(subsets));
        Assert.Equal(LocalTrainers.SubsetFingerprint(installed.Architecture, installed.Subset), Path.GetFileName(set));
        Assert.Equal(ArtifactManifest.SubsetGraph, ArtifactManifest.Load(new ArtifactSet(set).Manifest).TrainingGraph);
    }

    [Fact]
    public void A_memory_class_the_model_names_with_all_parameters_trains_dense_and_another_class_the_subset()
    {
        // what the aggregator publishes with Engine:FtteDenseWhereItFits: "all" → the subset, "pi4" → every parameter
        using var fixture = new ContributionFixture(StrategyKind.Ftte);
        var model = fixture.CurrentModel().Clone();
        model.Subsets.Add(SubsetIndexCoding.AllParameters("pi4"));

        Assert.True(InstalledModel.TryDecode(model, "pi4", out var dense, out string problem), problem);
        Assert.Null(dense.Subset);
        Assert.True(InstalledModel.TryDecode(model, "pi-zero-2w", out var constrained, out problem), problem);
        Assert.NotNull(constrained.Subset);
        Assert.Equal(model.Subsets.Single(a => a.MemoryClass == "all").SubsetId.ToByteArray(), constrained.Subset.ContentHash.ToArray());

        // a "pi4" device whose own budget cannot hold dense training (it joined after the aggregator decided) trains the subset
        long denseBytes = FedEdge.Core.Aggregation.Ftte.TrainingMemoryModel.Default.RequiredBytes(dense.Architecture.Layout, dense.Architecture.Layout.TotalLength);
        Assert.True(InstalledModel.TryDecode(model, "pi4", denseBytes - 1, out var small, out problem), problem);
        Assert.Equal(constrained.Subset, small.Subset);
        Assert.True(InstalledModel.TryDecode(model, "pi4", denseBytes, out var enough, out problem), problem);
        Assert.Null(enough.Subset);
    }

    [Fact]
    public async Task A_contribution_without_a_subset_trains_every_tensor_through_the_dense_set()
    {
        using var fixture = new ContributionFixture(StrategyKind.FedBuff);

        var result = await fixture.Runner.RunAsync(fixture.CurrentModel(), ContributionFixture.Samples(), () => true, TestContext.Current.CancellationToken);

        Assert.Equal(ContributionOutcome.Enqueued, result.Outcome);
        string dense = Assert.Single(Directory.GetDirectories(fixture.ArtifactsDirectory));
        Assert.Equal(ArtifactManifest.PlainGraph, ArtifactManifest.Load(new ArtifactSet(dense).Manifest).TrainingGraph);
    }

    [Fact]
    public void The_subset_cache_keeps_at_most_its_bound_loaded_and_on_disk_and_evicts_the_least_recently_used()
    {
        using var dir = new TempDirectory();
        var arch = ModelArchitecture.Parse("mlp-14-8-5");
        var a = Subset(arch, 0);
        var b = Subset(arch, 1);
        var c = Subset(arch, 2);
        using var trainers = new LocalTrainers(dir.Path, maxSubsetSets: 2);
        string stale = Path.Combine(trainers.SubsetsDirectory, "left-by-an-earlier-process");
        Directory.CreateDirectory(stale);

        var first = trainers.GetSubset(arch, a, 16);
        Assert.True(Directory.Exists(stale), "within the bound a set left on disk is kept");
        Assert.Same(first, trainers.GetSubset(arch, a, 16));
        trainers.GetSubset(arch, b, 16);
        Assert.False(Directory.Exists(stale), "over the bound the set nobody loaded goes first");
        trainers.GetSubset(arch, a, 16); // a is now the most recently used
        trainers.GetSubset(arch, c, 16); // evicts b

        string[] expected = [LocalTrainers.SubsetFingerprint(arch, a), LocalTrainers.SubsetFingerprint(arch, c)];
        Assert.Equal(expected, trainers.LoadedSubsets);
        Assert.Equal(expected.Order(StringComparer.Ordinal), Directory.GetDirectories(trainers.SubsetsDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Same(first, trainers.GetSubset(arch, a, 16));
    }

    [Fact]
    public void A_set_left_on_disk_by_an_earlier_process_is_loaded_not_regenerated()
    {
        using var dir = new TempDirectory();
        var arch = ModelArchitecture.Parse("mlp-14-8-5");
        string manifest;
        using (var earlier = new LocalTrainers(dir.Path))
        {
            manifest = earlier.GetSubset(arch, Subset(arch, 0), 16).Artifacts.Manifest;
        }

        var written = File.GetLastWriteTimeUtc(manifest);
        using var later = new LocalTrainers(dir.Path);
        later.GetSubset(arch, Subset(arch, 1), 16);
        Assert.Equal(manifest, later.GetSubset(arch, Subset(arch, 0), 16).Artifacts.Manifest);

        Assert.Equal(written, File.GetLastWriteTimeUtc(manifest));
    }

    [Fact]
    public void An_evicted_subset_trainer_is_disposed_and_a_later_request_regenerates_its_set()
    {
        using var dir = new TempDirectory();
        var arch = ModelArchitecture.Parse("mlp-14-8-5");
        using var trainers = new LocalTrainers(dir.Path, maxSubsetSets: 1);
        var samples = SmartHomeSchema.Standardize(new FedEdge.Sensors.Simulated.SmartHomeActivityGenerator(3).GenerateHome(0, 16));
        int[] rows = Enumerable.Range(0, 16).ToArray();

        var evicted = trainers.GetSubset(arch, Subset(arch, 0), 16);
        trainers.GetSubset(arch, Subset(arch, 1), 16);

        Assert.Throws<ObjectDisposedException>(() => evicted.ComputeGradients(samples, rows));
        Assert.Single(Directory.GetDirectories(trainers.SubsetsDirectory));
        var again = trainers.GetSubset(arch, Subset(arch, 0), 16);
        Assert.NotSame(evicted, again);
        Assert.True(float.IsFinite(again.TrainStep(samples, rows, 0.05f)));
    }

    /// <summary>A distinct subset per <paramref name="variant"/>: the last 40 coordinates and one more that differs.</summary>
    private static ParameterSubset Subset(ModelArchitecture arch, int variant)
    {
        int n = arch.Layout.TotalLength;
        return ParameterSubset.For(arch.Layout, [variant, .. Enumerable.Range(n - 40, 40)]);
    }
}
