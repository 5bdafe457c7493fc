using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Parameters;
using FsCheck.Xunit;
using static FedEdge.Core.Tests.Aggregation.AggregationFixtures;

namespace FedEdge.Core.Tests.Aggregation;

public class SubsetSelectionTests
{
    /// <summary>N = 900 + 100 = 1000 parameters.</summary>
    private static readonly ParameterLayout Thousand = new([new TensorSpec("W", 10, 90), new TensorSpec("b", 100)]);

    // Activations: 2 · 4 B · batch 32 · (32 + 10) = 10 752 B; overhead 1 000 B.
    private static readonly TrainingMemoryModel AdamW = new(2, TrainingMemoryModel.ActivationBytesFor(32, [32, 10]), 1000);

    [Fact]
    public void ActivationBytesFor_counts_outputs_and_their_gradients_per_batch()
    {
        Assert.Equal(2L * 4 * 32 * (32 + 10), TrainingMemoryModel.ActivationBytesFor(32, [32, 10]));
    }

    [Fact]
    public void Memory_model_matches_the_hand_computed_budget()
    {
        // Per trainable (AdamW): gradient + 2 moments + base copy + int32 index = 5 · 4 B = 20 B.
        // Fixed: 4 B · 1000 + 10 752 + 1 000 = 15 752 B.
        // Budget 15 752 + 20·100 + 19 = 17 771 B ⇒ k = 100 (101 would need 17 772).
        Assert.Equal(20, AdamW.BytesPerTrainable);
        Assert.Equal(12, new TrainingMemoryModel(0).BytesPerTrainable);
        Assert.Equal(15_752, AdamW.FixedBytes(Thousand));
        Assert.Equal(100, AdamW.MaxTrainable(Thousand, 17_771));
        Assert.Equal(17_752, AdamW.RequiredBytes(Thousand, 100));
    }

    [Fact]
    public void TrySelect_refuses_when_not_even_one_parameter_fits()
    {
        bool ok = SubsetSelection.TrySelect(Thousand, 15_752 + 19, AdamW, new float[1000], 0.1, new Random(1), out var subset);

        Assert.False(ok);
        Assert.Null(subset);
    }

    [Fact]
    public void TrySelect_trains_everything_when_the_whole_model_fits()
    {
        Assert.True(SubsetSelection.TrySelect(Thousand, long.MaxValue / 2, AdamW, new float[1000], 0.1, new Random(1), out var subset));

        Assert.Equal(1000, subset.Count);
    }

    [Fact]
    public void TrySelect_without_history_or_exploration_picks_the_last_layers_first()
    {
        Assert.True(SubsetSelection.TrySelect(Thousand, 17_771, AdamW, new float[1000], 0.0, new Random(1), out var subset));

        Assert.Equal(Enumerable.Range(900, 100), subset.Indices.ToArray());
    }

    [Fact]
    public void TrySelect_without_exploration_picks_the_most_important_coordinates()
    {
        var importance = new float[1000];
        int[] hot = [3, 17, 450, 451, 999];
        for (int i = 0; i < hot.Length; i++)
        {
            importance[hot[i]] = 1f + i;
        }

        // Budget for exactly 5 trainable parameters.
        Assert.True(SubsetSelection.TrySelect(Thousand, 15_752 + (20 * 5), AdamW, importance, 0.0, new Random(1), out var subset));

        Assert.Equal(hot, subset.Indices.ToArray());
    }

    [Property(MaxTest = 100)]
    public void TrySelect_never_exceeds_the_budget_uses_it_fully_and_is_deterministic(int seed)
    {
        var rng = new Random(seed);
        var layout = RandomLayout(rng);
        var memory = new TrainingMemoryModel(rng.Next(0, 3), rng.Next(0, 5000), rng.Next(0, 5000));
        long budget = memory.FixedBytes(layout) + rng.Next(-100, (int)(memory.BytesPerTrainable * layout.TotalLength) + 200);
        float[] importance = RandomVector(rng, layout.TotalLength).Select(Math.Abs).ToArray();
        double rho = rng.NextDouble();
        int randomSeed = rng.Next();

        bool ok = SubsetSelection.TrySelect(layout, budget, memory, importance, rho, new Random(randomSeed), out var first);
        bool again = SubsetSelection.TrySelect(layout, budget, memory, importance, rho, new Random(randomSeed), out var second);

        Assert.Equal(ok, again);
        if (!ok)
        {
            Assert.True(memory.RequiredBytes(layout, 1) > budget);
            return;
        }

        Assert.True(memory.RequiredBytes(layout, first!.Count) <= budget);
        Assert.True(first.Count == layout.TotalLength || memory.RequiredBytes(layout, first.Count + 1) > budget);
        Assert.Equal(first, second);
    }

    [Property(MaxTest = 100)]
    public void TrySelect_keeps_the_top_importance_share_when_exploring(int seed)
    {
        var rng = new Random(seed);
        float[] importance = RandomVector(rng, 1000).Select(Math.Abs).ToArray();
        int k = rng.Next(1, 1000);
        double rho = rng.NextDouble();

        Assert.True(SubsetSelection.TrySelect(Thousand, AdamW.RequiredBytes(Thousand, k), AdamW, importance, rho, new Random(seed), out var subset));

        int exploit = k - (int)Math.Floor(rho * k);
        var top = Enumerable.Range(0, 1000).OrderByDescending(i => importance[i]).ThenByDescending(i => i).Take(exploit);
        Assert.Equal(k, subset.Count);
        Assert.Subset(subset.Indices.ToArray().ToHashSet(), top.ToHashSet());
    }

    [Fact]
    public void AccumulateImportance_decays_and_adds_the_step_magnitude()
    {
        // [0.5·1 + |−3|, 0.5·2 + |0.5|] = [3.5, 1.5]
        float[] importance = [1, 2];

        SubsetSelection.AccumulateImportance(importance, [-3, 0.5f], 0.5f);

        Assert.Equal([3.5f, 1.5f], importance);
    }
}
