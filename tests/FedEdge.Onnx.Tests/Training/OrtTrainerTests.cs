using FedEdge.Core.Data;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Checkpoints;
using FedEdge.Core.Models;
using FedEdge.Onnx.Tests.Support;
using FedEdge.Onnx.Training;
using Microsoft.ML.OnnxRuntime;

namespace FedEdge.Onnx.Tests.Training;

public class OrtTrainerTests
{
    private static Dataset RandomData(int rows, int inputs, int classes, int seed)
    {
        var random = new Random(seed);
        float[] x = Enumerable.Range(0, rows * inputs).Select(_ => (float)random.NextDouble()).ToArray();
        int[] y = Enumerable.Range(0, rows).Select(i => i % classes).ToArray();
        return new Dataset(x, y, inputs, classes);
    }

    [Theory]
    [InlineData(OptimizerKind.SgdMomentum)]
    [InlineData(OptimizerKind.AdamW)]
    public void Frozen_parameters_are_bit_for_bit_unchanged_after_optimizer_steps(OptimizerKind kind)
    {
        var arch = ModelArchitecture.Parse("mlp-8-6-5-3");
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.LastLayers(1), new OptimizerSettings { Kind = kind }, dir.Path, seed: 3);
        using var trainer = OrtTrainer.Load(dir.Path);
        var before = trainer.Parameters.Clone();
        var data = RandomData(40, 8, 3, 1);
        int[] rows = Enumerable.Range(0, 16).ToArray();
        for (int step = 0; step < 10; step++)
        {
            trainer.TrainStep(data, rows, 0.1f);
        }

        foreach (string frozen in new[] { "dense0.weight", "dense0.bias", "dense1.weight", "dense1.bias" })
        {
            Assert.Equal(before[frozen].ToArray(), trainer.Parameters[frozen].ToArray());
        }

        Assert.NotEqual(before["dense2.weight"].ToArray(), trainer.Parameters["dense2.weight"].ToArray());
        Assert.Equal(10, trainer.Checkpoint.Step);
    }

    [Fact]
    public void An_sgd_momentum_step_matches_the_update_rule_computed_by_hand()
    {
        // v ← μv + (g + λp); p ← p − ηv, two steps so the momentum term matters. μ=0.9, λ=0.1, η=0.05.
        var arch = ModelArchitecture.LogisticRegression(3, 2);
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Sgd(0.9f, 0.1f), dir.Path, seed: 5);
        using var trainer = OrtTrainer.Load(dir.Path);
        var data = RandomData(4, 3, 2, 2);
        int[] rows = [0, 1, 2, 3];
        double[] p = trainer.Parameters.Buffer.Select(x => (double)x).ToArray();
        double[] v = new double[p.Length];
        for (int step = 0; step < 2; step++)
        {
            trainer.ComputeGradients(data, rows);
            double[] g = trainer.Gradients.Buffer.Select(x => (double)x).ToArray();
            trainer.OptimizerStep(0.05f);
            for (int k = 0; k < p.Length; k++)
            {
                v[k] = 0.9 * v[k] + g[k] + 0.1 * p[k];
                p[k] -= 0.05 * v[k];
                Assert.Equal(p[k], trainer.Parameters.Buffer[k], 1e-6);
            }
        }
    }

    [Fact]
    public void An_adamw_step_matches_the_update_rule_computed_by_hand()
    {
        // Loshchilov & Hutter 2019 Alg. 2 with bias correction; β=(0.9, 0.999), ε=1e-8, λ=0.01, η=0.01; three steps.
        var arch = ModelArchitecture.LogisticRegression(3, 2);
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path, seed: 6);
        using var trainer = OrtTrainer.Load(dir.Path);
        var data = RandomData(5, 3, 2, 3);
        int[] rows = [0, 1, 2, 3, 4];
        double[] p = trainer.Parameters.Buffer.Select(x => (double)x).ToArray();
        double[] m = new double[p.Length];
        double[] s = new double[p.Length];
        for (int t = 1; t <= 3; t++)
        {
            trainer.ComputeGradients(data, rows);
            double[] g = trainer.Gradients.Buffer.Select(x => (double)x).ToArray();
            trainer.OptimizerStep(0.01f);
            for (int k = 0; k < p.Length; k++)
            {
                m[k] = 0.9 * m[k] + 0.1 * g[k];
                s[k] = 0.999 * s[k] + 0.001 * g[k] * g[k];
                double mHat = m[k] / (1 - Math.Pow(0.9, t));
                double sHat = s[k] / (1 - Math.Pow(0.999, t));
                p[k] -= 0.01 * ((mHat / (Math.Sqrt(sHat) + 1e-8)) + 0.01 * p[k]);
                Assert.Equal(p[k], trainer.Parameters.Buffer[k], 1e-5);
            }
        }
    }

    [Fact]
    public void A_training_step_allocates_no_managed_memory_after_warm_up()
    {
        var arch = ModelArchitecture.Parse("mlp-64-32-10");
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path);
        using var trainer = OrtTrainer.Load(dir.Path);
        var data = RandomData(256, 64, 10, 4);
        int[] rows = Enumerable.Range(0, 256).ToArray();
        for (int i = 0; i < 5; i++)
        {
            trainer.TrainStep(data, rows.AsSpan(i * 32, 32), 0.01f);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            trainer.TrainStep(data, rows.AsSpan((i % 8) * 32, 32), 0.01f);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_checkpoint_saved_after_training_restores_parameters_state_and_step()
    {
        var arch = ModelArchitecture.Parse("mlp-5-4-3");
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path);
        using var trainer = OrtTrainer.Load(dir.Path);
        var data = RandomData(10, 5, 3, 5);
        trainer.TrainStep(data, [0, 1, 2, 3], 0.01f);
        trainer.TrainStep(data, [4, 5, 6], 0.01f);
        trainer.SaveCheckpoint(dir.File(ArtifactNames.Checkpoint));

        var restored = Checkpoint.Load(dir.File(ArtifactNames.Checkpoint));
        Assert.Equal(2, restored.Step);
        Assert.Equal(trainer.Parameters.Buffer, restored.Parameters.Buffer);
        Assert.Equal(trainer.Checkpoint.OptimizerState.Buffer, restored.OptimizerState.Buffer);
    }

    [Fact]
    public void The_exported_inference_model_predicts_what_the_eval_graph_predicts()
    {
        var arch = ModelArchitecture.Parse("mlp-6-8-4");
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path, seed: 9);
        using var trainer = OrtTrainer.Load(dir.Path);
        var data = RandomData(30, 6, 4, 6);
        CentralTraining.Run(trainer, data, 5, 8, 0.05f, new Random(1), cancellationToken: TestContext.Current.CancellationToken);
        string path = dir.File(ArtifactNames.InferenceModel);
        trainer.ExportInferenceModel(path);

        using var session = new InferenceSession(path);
        using var input = OrtValue.CreateTensorValueFromMemory(data.Features.ToArray(), [data.Count, 6]);
        using var outputs = session.Run(new RunOptions(), [ArtifactNames.Features], [input], [ArtifactNames.Predictions]);
        long[] predictions = outputs[0].GetTensorDataAsSpan<long>().ToArray();
        int correct = predictions.Where((p, i) => p == data.Label(i)).Count();
        Assert.Equal(trainer.Evaluate(data).Accuracy, (double)correct / data.Count, 12);
    }

    [Fact]
    public void Data_with_the_wrong_feature_count_is_rejected_naming_the_tensor_and_both_shapes()
    {
        var arch = ModelArchitecture.Parse("mlp-64-32-10");
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path);
        using var trainer = OrtTrainer.Load(dir.Path);
        var data = RandomData(10, 13, 3, 7);
        var ex = Assert.Throws<ArgumentException>(() => trainer.TrainStep(data, [0, 1], 0.1f));
        Assert.Contains("'features'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("64", ex.Message, StringComparison.Ordinal);
        Assert.Contains("13", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_raw_batch_with_a_label_out_of_range_is_rejected_naming_the_row()
    {
        var arch = ModelArchitecture.LogisticRegression(2, 3);
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path);
        using var trainer = OrtTrainer.Load(dir.Path);
        var ex = Assert.Throws<ArgumentException>(() => trainer.ComputeGradients([1f, 2f, 3f, 4f], [0, 7]));
        Assert.Contains("row 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("label 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_onnx_file_gives_an_error_naming_the_file()
    {
        using var dir = new TempDirectory();
        var set = TrainingArtifactGenerator.Generate(ModelArchitecture.LogisticRegression(4, 2), TrainableSet.All, OptimizerSettings.Default, dir.Path);
        File.WriteAllBytes(set.EvalModel, [1, 2, 3, 4, 5, 6, 7, 8]);
        var ex = Assert.Throws<TrainingArtifactException>(() => OrtTrainer.Load(dir.Path));
        Assert.Contains(ArtifactNames.EvalModel, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Artifacts_from_a_different_model_than_the_checkpoint_are_rejected_naming_the_tensor()
    {
        using var dir = new TempDirectory();
        using var other = new TempDirectory();
        TrainingArtifactGenerator.Generate(ModelArchitecture.Parse("mlp-4-3-2"), TrainableSet.All, OptimizerSettings.Default, dir.Path);
        var wrong = TrainingArtifactGenerator.Generate(ModelArchitecture.Parse("mlp-4-5-2"), TrainableSet.All, OptimizerSettings.Default, other.Path);
        File.Copy(wrong.TrainingModel, Path.Combine(dir.Path, ArtifactNames.TrainingModel), overwrite: true);
        var ex = Assert.Throws<TrainingArtifactException>(() => OrtTrainer.Load(dir.Path));
        Assert.Contains("dense0.weight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_artifact_is_reported_by_path()
    {
        using var dir = new TempDirectory();
        var set = TrainingArtifactGenerator.Generate(ModelArchitecture.LogisticRegression(4, 2), TrainableSet.All, OptimizerSettings.Default, dir.Path);
        File.Delete(set.OptimizerModel);
        var ex = Assert.Throws<TrainingArtifactException>(() => OrtTrainer.Load(dir.Path));
        Assert.Contains(ArtifactNames.OptimizerModel, ex.Message, StringComparison.Ordinal);
    }
}
