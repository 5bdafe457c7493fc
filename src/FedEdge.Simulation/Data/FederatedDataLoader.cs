using FedEdge.Sensors.Features;
using System.Globalization;
using FedEdge.Core.Data;
using FedEdge.Sensors.Datasets;
using FedEdge.Sensors.Simulated;

namespace FedEdge.Simulation.Data;

/// <summary>Loads or generates the data and deals it to the devices.</summary>
public static class FederatedDataLoader
{
    /// <summary>Share of each device's samples it keeps for its own evaluation.</summary>
    public const double DeviceTestFraction = 0.25;

    /// <summary>Share of a file's or the digits' rows held out (stratified) for the pooled test set.</summary>
    public const double PooledTestFraction = 0.2;

    /// <summary>Builds the fleet's data.</summary>
    /// <param name="source">Synthetic, digits or a CSV file.</param>
    /// <param name="partition">How to split (natural = one synthetic home per device).</param>
    /// <param name="devices">Fleet size.</param>
    /// <param name="samplesPerHome">Windows per synthetic home (training + held out).</param>
    /// <param name="seed">Seed of generation, split and partition.</param>
    /// <param name="cancellationToken">Cancels reading a file.</param>
    /// <exception cref="DatasetFormatException">A file is malformed.</exception>
    /// <exception cref="ArgumentException">The combination is not possible (e.g. natural partition of a file).</exception>
    public static async Task<FederatedData> LoadAsync(DatasetSource source, PartitionSpec partition, int devices, int samplesPerHome, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(partition);
        var random = new Random(seed);
        if (source.Kind == DatasetKind.Synthetic)
        {
            var generator = new SmartHomeActivityGenerator(seed);
            var homes = Enumerable.Range(0, devices).Select(h => SmartHomeSchema.Standardize(generator.GenerateHome(h, samplesPerHome))).ToArray();
            if (partition.Kind == PartitionKind.Natural)
            {
                var split = homes.Select(h => SplitDevice(h, random)).ToArray();
                var test = Concat(split.Select(s => s.Test).Where(t => t.Count > 0).ToArray());
                return new FederatedData(
                    split.Select(s => s.Train).ToArray(),
                    split.Select(s => s.Test).ToArray(),
                    test,
                    string.Create(CultureInfo.InvariantCulture, $"synthetic smart-home activity, {devices} homes × {samplesPerHome} windows (seed {seed}), one home per device, {DeviceTestFraction:P0} of each home held out"));
            }

            var pooled = Concat(homes);
            return Deal(pooled, partition, devices, random, $"synthetic smart-home activity, {devices} homes × {samplesPerHome} windows pooled (seed {seed})");
        }

        if (partition.Kind == PartitionKind.Natural)
        {
            throw new ArgumentException($"--partition natural needs the synthetic data (one home per device); {source} has no homes. Use iid or dirichlet:α.");
        }

        string path = source.Path ?? throw new ArgumentException("No path for the data set.");
        var data = await new CsvDatasetReader().ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (source.Kind == DatasetKind.Digits)
        {
            // Pixel counts are 0–16: a fixed scale, so no statistic of the data is shared centrally.
            data = data.Scaled(1f / 16f);
        }
        else
        {
            data = FeatureStandardization.Fit(data).Apply(data);
        }

        return Deal(data, partition, devices, random, $"{source}: {data.Count} samples, {data.FeatureCount} features, {data.ClassCount} classes");
    }

    private static FederatedData Deal(Dataset data, PartitionSpec partition, int devices, Random random, string description)
    {
        var (pool, test) = data.StratifiedSplit(PooledTestFraction, random);
        var shards = Partitioner.Split(pool.Labels, pool.ClassCount, devices, partition, random);
        var train = new Dataset[devices];
        var deviceTest = new Dataset[devices];
        for (int d = 0; d < devices; d++)
        {
            (train[d], deviceTest[d]) = SplitDevice(pool.Select(shards[d]), random);
        }

        return new FederatedData(train, deviceTest, test, string.Create(CultureInfo.InvariantCulture,
            $"{description}; {PooledTestFraction:P0} stratified pooled test set; the rest dealt {partition} over {devices} devices, {DeviceTestFraction:P0} of each device's share held out"));
    }

    private static (Dataset Train, Dataset Test) SplitDevice(Dataset shard, Random random)
    {
        int[] rows = Enumerable.Range(0, shard.Count).ToArray();
        random.Shuffle(rows);
        int test = (int)Math.Floor(shard.Count * DeviceTestFraction);
        return (shard.Select(rows.AsSpan(test)), shard.Select(rows.AsSpan(0, test)));
    }

    private static Dataset Concat(Dataset[] parts)
    {
        int features = parts[0].FeatureCount;
        int classes = parts.Max(p => p.ClassCount);
        var x = new float[parts.Sum(p => p.Count) * features];
        var y = new int[parts.Sum(p => p.Count)];
        int row = 0;
        foreach (var part in parts)
        {
            part.Features.CopyTo(x.AsSpan(row * features));
            part.Labels.CopyTo(y.AsSpan(row));
            row += part.Count;
        }

        return new Dataset(x, y, features, classes);
    }
}
