using FedEdge.Core.Aggregation.Ftte;
using FedEdge.Core.Codecs;
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
    public void A_budget_holds_the_whole_model_from_exactly_the_dense_bytes_on()
    {
        // dense: 15 752 + 20 · 1000 = 35 752 B
        Assert.True(AdamW.HoldsWholeModel(Thousand, 35_752));
        Assert.False(AdamW.HoldsWholeModel(Thousand, 35_751));
        Assert.Equal(1000, AdamW.MaxTrainable(Thousand, 35_752));
        Assert.Equal(999, AdamW.MaxTrainable(Thousand, 35_751));
    }

    [Fact]
    public void Memory_model_counts_the_gradient_copies_of_the_tensors_a_subset_touches()
    {
        // Fixed 15 752 B; 20 B per trainable; the touched tensors add 4 B · max(Σ|T|, 2·max|T|) unless the subset is
        // the whole model (the dense trainer forms no copies).
        // all of b: 15 752 + 100·20 + 4·max(100, 200) = 18 552
        Assert.Equal(18_552, AdamW.RequiredBytes(Thousand, ParameterSubset.For(Thousand, [.. Enumerable.Range(900, 100)])));

        // one coordinate of each tensor: W [10, 90] forms one column or one row of its gradient, min(10·1, 1·90) = 10
        // values; b all 100: 15 752 + 2·20 + 4·max(110, 200) = 16 592
        Assert.Equal(16_592, AdamW.RequiredBytes(Thousand, ParameterSubset.For(Thousand, [0, 950])));

        // three rows of one column of W: min(900, 10·1, 3·90) = 10 values: 15 752 + 3·20 + 4·max(10, 20) = 15 892
        Assert.Equal(15_892, AdamW.RequiredBytes(Thousand, ParameterSubset.For(Thousand, [0, 90, 180])));

        // a diagonal of 30 coordinates in a 30×30 weight: 30 rows and 30 columns, the whole 900
        Assert.Equal(900, SubsetGradient.For(new TensorSpec("W", 30, 30), [.. Enumerable.Range(0, 30).Select(i => 31 * i)]).Elements);

        // many small tensors: the sum wins; 4·max(3·10, 2·10)
        Assert.Equal(120, TrainingMemoryModel.GradientCopyBytes(30, 10));

        // a subset of another model is refused
        Assert.Throws<ArgumentException>(() => AdamW.RequiredBytes(Thousand, new ParameterSubset([0], 999)));

        // everything: 15 752 + 1000·20 = 35 752, the dense figure
        Assert.Equal(35_752, AdamW.RequiredBytes(Thousand, ParameterSubset.For(Thousand, [.. Enumerable.Range(0, 1000)])));
        Assert.Equal(35_752, AdamW.RequiredBytes(Thousand, 1000));
    }

    [Fact]
    public void TrySelect_refuses_when_not_even_one_parameter_fits()
    {
        // the cheapest single coordinate is one of W (20 + 4·max(10, 20) = 100 B over the fixed 15 752); one of b costs 820
        bool ok = SubsetSelection.TrySelect(Thousand, 15_752 + 99, AdamW, new float[1000], 0.1, new Random(1), out var subset);

        Assert.False(ok);
        Assert.Null(subset);

        // with one coordinate's worth, the best-ranked one that fits is taken even though ρ = 10 % of the bytes would explore
        Assert.True(SubsetSelection.TrySelect(Thousand, 15_752 + 100, AdamW, new float[1000], 0.1, new Random(1), out var one));
        Assert.Equal([899], one.Indices.ToArray());
    }

    [Fact]
    public void TrySelect_trains_everything_when_the_whole_model_fits()
    {
        Assert.True(SubsetSelection.TrySelect(Thousand, 35_752, AdamW, new float[1000], 0.1, new Random(1), out var subset));

        Assert.Equal(1000, subset.Count);
    }

    [Fact]
    public void TrySelect_without_history_or_exploration_picks_the_last_layers_first()
    {
        // 2 800 spare bytes: all of b (100·20 + 800); one byte less: b's first coordinate costs 820, then 98 more fit
        Assert.True(SubsetSelection.TrySelect(Thousand, 18_552, AdamW, new float[1000], 0.0, new Random(1), out var subset));
        Assert.True(SubsetSelection.TrySelect(Thousand, 18_551, AdamW, new float[1000], 0.0, new Random(1), out var less));

        Assert.Equal(Enumerable.Range(900, 100), subset.Indices.ToArray());
        Assert.Equal(Enumerable.Range(901, 99), less.Indices.ToArray());
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

        // 999 (b): 20 + 800; then 451, 450, 17, 3 of W (rows 5, 5, 0, 0; columns 1, 0, 17, 3): its copy grows to
        // min(10·4, 2·90) = 40 values, under b's 100 that already count twice, so 20 B each — 900 B in all
        Assert.True(SubsetSelection.TrySelect(Thousand, 15_752 + 900, AdamW, importance, 0.0, new Random(1), out var subset));
        Assert.True(SubsetSelection.TrySelect(Thousand, 15_752 + 899, AdamW, importance, 0.0, new Random(1), out var less));

        Assert.Equal(hot, subset.Indices.ToArray());
        Assert.Equal([17, 450, 451, 999], less.Indices.ToArray());
    }

    [Fact]
    public void TrySelect_skips_important_coordinates_whose_gradient_copy_does_not_fit_and_takes_cheaper_ones()
    {
        // W [30, 30] + b [100]: N = 1 000, so the fixed part is 15 752 B as above. The diagonal (i, i) is the most important;
        // each diagonal coordinate adds a row and a column, so W's copy grows by 30 values (counted twice: 240 B) and a
        // coordinate costs 260 B. 2 800 spare bytes hold ten of them (2 600 B, i = 29 … 20), then b's coordinates cost
        // 20 B each (their 100 values stay under twice W's 300), so the last 200 B take b's top ten.
        var square = new ParameterLayout([new TensorSpec("W", 30, 30), new TensorSpec("b", 100)]);
        var importance = new float[1000];
        for (int i = 0; i < 30; i++)
        {
            importance[31 * i] = 9f;
        }

        Assert.True(SubsetSelection.TrySelect(square, 15_752 + 2_800, AdamW, importance, 0.0, new Random(1), out var subset));

        Assert.Equal(Enumerable.Range(20, 10).Select(i => 31 * i).Concat(Enumerable.Range(990, 10)), subset.Indices.ToArray());
    }

    [Property(MaxTest = 100)]
    public void TrySelect_never_exceeds_the_budget_cannot_take_one_more_and_is_deterministic(int seed)
    {
        var rng = new Random(seed);
        var layout = RandomLayoutWithWeights(rng);
        var memory = new TrainingMemoryModel(rng.Next(0, 3), rng.Next(0, 5000), rng.Next(0, 5000));
        long budget = memory.FixedBytes(layout) + rng.Next(-100, (int)((memory.BytesPerTrainable + 8) * layout.TotalLength) + 200);
        float[] importance = RandomVector(rng, layout.TotalLength).Select(Math.Abs).ToArray();
        double rho = rng.NextDouble();
        int randomSeed = rng.Next();

        bool ok = SubsetSelection.TrySelect(layout, budget, memory, importance, rho, new Random(randomSeed), out var first);
        bool again = SubsetSelection.TrySelect(layout, budget, memory, importance, rho, new Random(randomSeed), out var second);

        Assert.Equal(ok, again);
        if (!ok)
        {
            Assert.All(Enumerable.Range(0, layout.TotalLength), c => Assert.True(memory.RequiredBytes(layout, ParameterSubset.For(layout, [c])) > budget));
            return;
        }

        Assert.True(memory.RequiredBytes(layout, first!) <= budget);
        var chosen = first!.Indices.ToArray();
        foreach (int c in Enumerable.Range(0, layout.TotalLength).Except(chosen))
        {
            Assert.True(memory.RequiredBytes(layout, ParameterSubset.For(layout, [.. chosen.Append(c).Order()])) > budget, $"coordinate {c} would still fit");
        }

        Assert.Equal(first, second);
    }

    [Property(MaxTest = 100)]
    public void TrySelect_is_the_ranked_greedy_without_exploration_and_keeps_its_first_pass_when_exploring(int seed)
    {
        var rng = new Random(seed);
        var layout = RandomLayoutWithWeights(rng);
        var memory = new TrainingMemoryModel(rng.Next(0, 3), rng.Next(0, 5000), rng.Next(0, 5000));
        long spare = rng.Next(1, (int)((memory.BytesPerTrainable + 8) * layout.TotalLength));
        long budget = memory.FixedBytes(layout) + spare;
        float[] importance = RandomVector(rng, layout.TotalLength).Select(Math.Abs).ToArray();
        double rho = rng.NextDouble();

        // the reference: rank by (importance desc, index desc), take a coordinate whenever the memory model says the
        // subset with it still fits (everything, if the dense model fits); ρ = 0 repeats the sweep until nothing is added, ρ > 0 keeps the first sweep
        // under the ranking's share of the spare bytes, spare − ⌊ρ·spare⌋, past its first coordinate (taken under the whole budget)
        int[] ranked = [.. Enumerable.Range(0, layout.TotalLength).OrderByDescending(i => importance[i]).ThenByDescending(i => i)];
        List<int> Greedy(long limit, bool repeat)
        {
            var taken = new List<int>();
            bool added = true;
            while (added)
            {
                added = false;
                foreach (int c in ranked.Except(taken).ToArray())
                {
                    if (memory.RequiredBytes(layout, ParameterSubset.For(layout, [.. taken.Append(c).Order()])) <= (taken.Count == 0 ? budget : limit))
                    {
                        taken.Add(c);
                        added = true;
                    }
                }

                added &= repeat;
            }

            return taken;
        }

        var plain = memory.RequiredBytes(layout, layout.TotalLength) <= budget ? [.. ranked] : Greedy(budget, repeat: true);
        bool ok = SubsetSelection.TrySelect(layout, budget, memory, importance, 0.0, new Random(seed), out var subset);
        Assert.Equal(plain.Count > 0, ok);
        if (ok)
        {
            Assert.Equal(plain.Order(), subset!.Indices.ToArray());
        }

        var firstPass = Greedy(memory.FixedBytes(layout) + spare - (long)Math.Floor(rho * spare), repeat: false);
        Assert.Equal(ok, SubsetSelection.TrySelect(layout, budget, memory, importance, rho, new Random(seed), out var exploring));
        if (exploring is not null)
        {
            Assert.Subset(exploring.Indices.ToArray().ToHashSet(), firstPass.ToHashSet());
        }
    }

    /// <summary>1–3 tensors, each a vector of 1–40 values or a weight of 1–8 × 1–8, so that rows and columns matter.</summary>
    private static ParameterLayout RandomLayoutWithWeights(Random rng)
    {
        var tensors = new TensorSpec[rng.Next(1, 4)];
        for (int i = 0; i < tensors.Length; i++)
        {
            tensors[i] = rng.Next(2) == 0 ? new TensorSpec($"t{i}", rng.Next(1, 41)) : new TensorSpec($"t{i}", rng.Next(1, 9), rng.Next(1, 9));
        }

        return new ParameterLayout(tensors);
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
