using System.Security.Cryptography;
using FedEdge.Cli.Data;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Privacy;
using FedEdge.Onnx.Training;
using FedEdge.Sensors.Datasets;

namespace FedEdge.Benchmarks.Ratios;

/// <summary>
/// The training rows of issue 5/5, measured on the digits MLP 64-32-10 with the product's trainer
/// (AdamW, PyTorch's defaults, as <c>fededge train</c>; one ONNX Runtime thread):
/// samples/s of plain steps of 32, and DP-SGD against plain training at batch 64, per step and
/// as the training loop of <c>fededge train</c> (shuffled epochs vs Poisson-sampled steps).
/// </summary>
internal sealed class TrainingRatios : IDisposable
{
    private const float LearningRate = 0.01f;
    private readonly List<string> _directories = [];
    private readonly List<IDisposable> _owned = [];
    private readonly ModelArchitecture _architecture = ModelArchitecture.Parse("mlp-64-32-10");
    private readonly Dataset _digits;
    private readonly Dataset _train;
    private readonly List<OrtTrainer> _privateTrainers = [];

    public TrainingRatios()
    {
        var raw = new CsvDatasetReader().Read(RepositoryDataFiles.Find(RepositoryDataFiles.DigitsFileName));
        _digits = FeatureStandardization.Fit(raw).Apply(raw);

        // fededge train's split: stratified 80/20 with seed 0, standardised on the training split
        var (train, _) = raw.StratifiedSplit(0.2, new Random(0));
        _train = FeatureStandardization.Fit(train).Apply(train);
    }

    /// <summary>Seconds per block of 400 plain training steps of 32 rows.</summary>
    public BlockTimes Throughput(int blocks)
    {
        var trainer = Trainer(perExampleClipping: false);
        var batches = new Cursor(_digits.Count, 32, seed: 0);
        const int steps = 400;
        return AlternatingTiming.Run(
            () =>
            {
                for (int i = 0; i < steps; i++)
                {
                    trainer.TrainStep(_digits, batches.Next(), LearningRate);
                }
            },
            blocks);
    }

    /// <summary>
    /// Seconds per block of 200 steps for [plain at a fixed batch of 64, DP-SGD with q = 64/n (expected
    /// batch 64) and noise drawn concurrently (the default), DP-SGD with the noise drawn inline].
    /// </summary>
    public BlockTimes[] PerStep(int blocks)
    {
        var plain = Trainer(perExampleClipping: false);
        var batches = new Cursor(_digits.Count, 64, seed: 1);
        var (concurrent, inline) = (Private(_digits, concurrently: true), Private(_digits, concurrently: false));
        const int steps = 200;
        return AlternatingTiming.Run(
            [
                () =>
                {
                    for (int i = 0; i < steps; i++)
                    {
                        plain.TrainStep(_digits, batches.Next(), LearningRate);
                    }
                },
                () =>
                {
                    for (int i = 0; i < steps; i++)
                    {
                        concurrent.Step(_digits, LearningRate);
                    }
                },
                () =>
                {
                    for (int i = 0; i < steps; i++)
                    {
                        inline.Step(_digits, LearningRate);
                    }
                },
            ],
            blocks,
            warmUpBlocks: 5);
    }

    /// <summary>
    /// Seconds per training loop of <c>fededge train</c> at batch 64 on the digits training split for
    /// <paramref name="epochs"/> epochs, for [plain shuffled epochs (CentralTraining), DP-SGD's epochs/q
    /// Poisson-sampled steps with q = 64/n and concurrent noise, the same with inline noise]. All start
    /// from the same weights every run.
    /// </summary>
    public (BlockTimes[] Times, int PlainSteps, long PrivateSteps) WholeRun(int epochs, int blocks)
    {
        var plain = Trainer(perExampleClipping: false);
        var concurrent = Private(_train, concurrently: true);
        var concurrentTrainer = _privateTrainers[^1];
        var inline = Private(_train, concurrently: false);
        var inlineTrainer = _privateTrainers[^1];
        var start = plain.Parameters.Clone();
        double q = 64.0 / _train.Count;
        long privateSteps = (long)Math.Round(epochs / q);
        int seed = 0;
        var times = AlternatingTiming.Run(
            [
                () =>
                {
                    Reset(plain, start);
                    CentralTraining.Run(plain, _train, epochs, 64, LearningRate, new Random(seed++));
                },
                () =>
                {
                    Reset(concurrentTrainer, start);
                    for (long i = 0; i < privateSteps; i++)
                    {
                        concurrent.Step(_train, LearningRate);
                    }
                },
                () =>
                {
                    Reset(inlineTrainer, start);
                    for (long i = 0; i < privateSteps; i++)
                    {
                        inline.Step(_train, LearningRate);
                    }
                },
            ],
            blocks,
            warmUpBlocks: 2);
        int plainSteps = epochs * ((_train.Count + 63) / 64);
        return (times, plainSteps, privateSteps);
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        foreach (string directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void Reset(OrtTrainer trainer, ParameterSet start)
    {
        trainer.Parameters.CopyFrom(start);
        trainer.Checkpoint.OptimizerState.Clear();
        trainer.Checkpoint.Step = 0;
    }

    private DpSgd Private(Dataset data, bool concurrently)
    {
        var trainer = Trainer(perExampleClipping: true);
        _privateTrainers.Add(trainer);
        var rng = RandomNumberGenerator.Create();
        _owned.Add(rng);
        var noise = new GaussianNoise(rng);
        _owned.Add(noise);
        return new DpSgd(trainer, new DpSgdSettings(64.0 / data.Count, 1.1, 1f), noise, new SecureRandomBits(rng), data.Count) { DrawNoiseConcurrently = concurrently };
    }

    private OrtTrainer Trainer(bool perExampleClipping)
    {
        string directory = Directory.CreateTempSubdirectory("fededge-ratios-").FullName;
        _directories.Add(directory);
        TrainingArtifactGenerator.Generate(_architecture, TrainableSet.All, OptimizerSettings.Default, directory, perExampleClipping: perExampleClipping);
        var trainer = OrtTrainer.Load(directory);
        _owned.Add(trainer);
        return trainer;
    }

    /// <summary>Consecutive fixed-size batches of a shuffled order, wrapping around.</summary>
    private sealed class Cursor
    {
        private readonly int[] _order;
        private readonly int _size;
        private int _position;

        public Cursor(int count, int size, int seed)
        {
            _order = [.. Enumerable.Range(0, count)];
            new Random(seed).Shuffle(_order);
            _size = size;
        }

        public ReadOnlySpan<int> Next()
        {
            if (_position + _size > _order.Length)
            {
                _position = 0;
            }

            var batch = _order.AsSpan(_position, _size);
            _position += _size;
            return batch;
        }
    }
}
