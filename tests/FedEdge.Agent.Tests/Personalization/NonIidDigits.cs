using FedEdge.Device.Personalization;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;
using FedEdge.Sensors.Datasets;

namespace FedEdge.Agent.Tests.Personalization;

/// <summary>
/// A non-IID device on the real UCI digits (pixels scaled to [0, 1]): the rows are shuffled with a
/// fixed seed; the first half is the fleet's pool, on which a global model is trained centrally
/// (plain SGD, a few epochs: a fleet model, not a tuned one); the device sees only digits 3, 5
/// and 8 (classes the global model confuses most) from the other half. Two thirds of those are
/// the device's samples (split again into training and validation by
/// <see cref="LocalValidationSplit"/>), one third its held-out test set, seen by nobody.
/// Built once per test class.
/// </summary>
public sealed class NonIidDigits : IDisposable
{
    public static readonly int[] DeviceClasses = [3, 5, 8];

    private readonly TempDirectory _dir = new();

    public NonIidDigits()
    {
        var digits = new CsvDatasetReader().Read(SharedDataFiles.DigitsPath()).Scaled(1f / 16);
        int[] order = Enumerable.Range(0, digits.Count).ToArray();
        new Random(17).Shuffle(order);
        int half = order.Length / 2;
        Pool = digits.Select(order.AsSpan(0, half));
        Holdout = digits.Select(order.AsSpan(half));
        int[] device = order.Skip(half).Where(r => DeviceClasses.Contains(digits.Label(r))).ToArray();
        int local = device.Length * 2 / 3;
        DeviceSamples = digits.Select(device.AsSpan(0, local));
        DeviceTest = digits.Select(device.AsSpan(local));

        Architecture = ModelArchitecture.Parse("mlp-64-32-10");
        Global = TrainGlobal(Pool, GlobalEpochs, seed: 1);
    }

    /// <summary>Epochs of central training for the global model.</summary>
    public const int GlobalEpochs = 2;

    public ModelArchitecture Architecture { get; }

    public Dataset Pool { get; }

    public Dataset DeviceSamples { get; }

    /// <summary>The other half, all ten classes, unseen by the global model (the device's samples are drawn from it).</summary>
    public Dataset Holdout { get; }

    public Dataset DeviceTest { get; }

    public ParameterSet Global { get; }

    public string ArtifactsDirectory => _dir.File("artifacts");

    public string NewDirectory(string name)
    {
        string path = _dir.File(name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Central training on <paramref name="data"/> from a seeded initialisation (SGD, momentum 0.9, lr 0.05, batch 32).</summary>
    public ParameterSet TrainGlobal(Dataset data, int epochs, int seed)
    {
        string directory = NewDirectory("global");
        TrainingArtifactGenerator.Generate(Architecture, TrainableSet.All, OptimizerSettings.Sgd(0.9f), directory, seed: seed);
        using var trainer = OrtTrainer.Load(directory, new TrainerOptions { MaxBatchSize = 64 });
        CentralTraining.Run(trainer, data, epochs, 32, 0.05f, new Random(seed));
        return trainer.Parameters.Clone();
    }

    /// <summary>A stand-in for the global model under user-level DP on a small fleet: weights of scale ~6 that carry no signal (seeded).</summary>
    public ParameterSet NoiseGlobal()
    {
        var noise = new ParameterSet(Architecture.Layout);
        var random = new Random(11);
        var values = noise.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() - 0.5) * 12);
        }

        return noise;
    }

    public PersonalizationOptions Options(PersonalizationMode mode) => new()
    {
        Mode = mode,
        ArtifactsDirectory = ArtifactsDirectory,
        LocalEpochs = 5,
        LearningRate = 0.05f,
        BatchSize = 16,
        ProximalLambda = 0.1f,
        MinValidationSamples = 10,
    };

    public void Dispose() => _dir.Dispose();
}
