using FedEdge.Device.Personalization;
using FedEdge.Core.Data;
using FedEdge.Sensors.Datasets;

namespace FedEdge.Agent.Tests.Personalization;

/// <summary>The hold-out is a pure function of sample content and arrival order (see <see cref="LocalValidationSplit"/>).</summary>
public class LocalValidationSplitTests
{
    private static readonly Lazy<Dataset> Digits = new(() => new CsvDatasetReader().Read(SharedDataFiles.DigitsPath()));

    [Fact]
    public void A_fresh_instance_derives_the_same_split_after_a_restart()
    {
        var samples = Prefix(Digits.Value, 900);

        var first = new LocalValidationSplit(0.2, 1000).Split(samples);
        var again = new LocalValidationSplit(0.2, 1000).Split(samples);

        Assert.Equal(first.ValidationRows, again.ValidationRows);
    }

    [Fact]
    public void Validation_and_training_are_disjoint_and_cover_every_sample()
    {
        var samples = Prefix(Digits.Value, 600);
        var split = new LocalValidationSplit(0.2, 50).Split(samples);

        Assert.Equal(samples.Count, split.Train.Count + split.Validation.Count);
        Assert.Equal(split.ValidationRows.Count, split.ValidationRows.Distinct().Count());
        for (int i = 0; i < split.Validation.Count; i++)
        {
            Assert.True(split.Validation.Row(i).SequenceEqual(samples.Row(split.ValidationRows[i])));
        }
    }

    [Fact]
    public void The_validation_share_is_the_configured_fraction_within_three_binomial_standard_deviations()
    {
        // 1,797 samples, p = 0.2: mean 359.4, σ = √(n·p·(1−p)) ≈ 17.0.
        var split = new LocalValidationSplit(0.2, 10_000).Split(Digits.Value);

        Assert.InRange(split.Validation.Count, 359.4 - 3 * 17.0, 359.4 + 3 * 17.0);
    }

    [Fact]
    public void Growing_the_store_never_moves_a_training_sample_into_validation()
    {
        var digits = Digits.Value;
        var split = new LocalValidationSplit(0.2, 60);
        HashSet<int>? previousTrain = null;
        for (int size = 100; size <= digits.Count; size += 100)
        {
            var result = split.Split(Prefix(digits, size));
            var validation = result.ValidationRows.ToHashSet();
            Assert.True(validation.Count <= 60);
            if (previousTrain is not null)
            {
                Assert.DoesNotContain(previousTrain, validation.Contains);
            }

            previousTrain = Enumerable.Range(0, size).Where(r => !validation.Contains(r)).ToHashSet();
        }
    }

    [Fact]
    public void Below_the_cap_a_sample_stays_in_validation_as_the_store_grows()
    {
        var digits = Digits.Value;
        var split = new LocalValidationSplit(0.2, 10_000);

        var small = split.Split(Prefix(digits, 500)).ValidationRows;
        var large = split.Split(Prefix(digits, 1500)).ValidationRows.ToHashSet();

        Assert.All(small, row => Assert.Contains(row, large));
    }

    [Fact]
    public void Evicting_the_oldest_samples_never_moves_a_training_sample_into_validation()
    {
        var digits = Digits.Value;
        var split = new LocalValidationSplit(0.25, 40);
        HashSet<int>? previousTrain = null;
        for (int first = 0; first + 400 <= digits.Count; first += 150)
        {
            int[] rows = Enumerable.Range(first, 400).ToArray();
            var result = split.Split(digits.Select(rows));
            var validation = result.ValidationRows.Select(r => rows[r]).ToHashSet();
            if (previousTrain is not null)
            {
                Assert.DoesNotContain(previousTrain, validation.Contains);
            }

            previousTrain = rows.Where(r => !validation.Contains(r)).ToHashSet();
        }
    }

    [Fact]
    public void At_the_cap_the_newest_candidates_are_held_out()
    {
        var samples = Prefix(Digits.Value, 1000);
        var split = new LocalValidationSplit(0.2, 25);

        var result = split.Split(samples);

        Assert.Equal(25, result.Validation.Count);
        int oldestHeld = result.ValidationRows.Min();
        for (int row = oldestHeld; row < samples.Count; row++)
        {
            bool candidate = split.IsCandidate(samples.Row(row), samples.Label(row));
            Assert.Equal(candidate, result.ValidationRows.Contains(row));
        }
    }

    [Fact]
    public void A_different_salt_gives_a_different_split()
    {
        var samples = Prefix(Digits.Value, 500);

        var a = new LocalValidationSplit(0.2, 1000, salt: 1).Split(samples).ValidationRows;
        var b = new LocalValidationSplit(0.2, 1000, salt: 2).Split(samples).ValidationRows;

        Assert.NotEqual(a, b);
    }

    private static Dataset Prefix(Dataset data, int count) => data.Select(Enumerable.Range(0, count).ToArray());
}
