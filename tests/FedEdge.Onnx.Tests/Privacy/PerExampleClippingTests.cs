using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
using FedEdge.Onnx.Tests.Support;
using FedEdge.Onnx.Training;

namespace FedEdge.Onnx.Tests.Privacy;

/// <summary>
/// The DP-SGD graph's per-example norms and clipped gradient sums against the same quantities
/// computed one example at a time with the ordinary graph (a batch of one: mean = per-example
/// gradient), clipped and summed in float64 here. Tolerance: 1e-5 relative + 1e-6 absolute
/// (float32 arithmetic in both graphs, different summation order).
/// </summary>
public class PerExampleClippingTests
{
    public static TheoryData<string, string, float> Cases => new()
    {
        { "logreg-6-4", "all", 0.5f },
        { "mlp-6-5-4", "all", 0.7f },
        { "mlp-6-5-7-4", "all", 1.0f },
        { "mlp-6-5-7-4", "last", 0.3f },
        { "mlp-6-5-7-4", "dense0.weight,dense1.bias", 0.4f },
        { "mlp-6-5-4", "all", 1000f },
        { "mlp-6-5-7-4", "dense1.bias,dense2.bias", 0.05f }, // biases only: no clipped-sum graph, the clipper sums every gradient
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Graph_per_example_norms_and_clipped_sums_equal_one_example_at_a_time(string architecture, string trainable, float clip)
    {
        var arch = ModelArchitecture.Parse(architecture);
        var parameters = arch.InitialParameters(new Random(11));
        var random = new Random(12);
        const int n = 12;
        float[] features = Enumerable.Range(0, n * arch.Inputs).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        int[] labels = Enumerable.Range(0, n).Select(_ => random.Next(arch.Classes)).ToArray();

        using var pair = new TrainerPair(arch, trainable, parameters);
        var (plain, dp) = (pair.Plain, pair.Dp);
        Assert.False(plain.PerExampleClipping);
        Assert.True(dp.PerExampleClipping);

        var expectedSum = new double[plain.Gradients.Length];
        var expectedNorms = new double[n];
        for (int i = 0; i < n; i++)
        {
            plain.ComputeGradients(features.AsSpan(i * arch.Inputs, arch.Inputs), labels.AsSpan(i, 1));
            double norm = Math.Sqrt(plain.Gradients.Buffer.Sum(v => (double)v * v));
            expectedNorms[i] = norm;
            double factor = Math.Min(1.0, clip / norm);
            for (int k = 0; k < expectedSum.Length; k++)
            {
                expectedSum[k] += factor * plain.Gradients.Buffer[k];
            }
        }

        dp.ClipNorm = clip;
        dp.ComputeGradients(features, labels);
        Assert.Equal(n, dp.PerExampleNorms.Length);
        for (int i = 0; i < n; i++)
        {
            Assert.True(Math.Abs(dp.PerExampleNorms[i] - expectedNorms[i]) <= 1e-6 + 1e-5 * expectedNorms[i],
                $"example {i}: graph norm {dp.PerExampleNorms[i]} vs one-at-a-time {expectedNorms[i]}");
        }

        for (int k = 0; k < expectedSum.Length; k++)
        {
            Assert.True(Math.Abs(dp.Gradients.Buffer[k] - expectedSum[k]) <= 1e-6 + 1e-5 * Math.Abs(expectedSum[k]),
                $"coordinate {k}: graph clipped sum {dp.Gradients.Buffer[k]} vs one-at-a-time {expectedSum[k]}");
        }
    }

    [Theory]
    [InlineData("mlp-6-5-7-4", "all")]
    [InlineData("mlp-6-5-7-4", "dense0.weight,dense2.bias")]
    [InlineData("logreg-6-4", "all")]
    public void The_dp_loss_formed_from_the_log_probabilities_equals_the_plain_graphs_mean_loss(string architecture, string trainable)
    {
        // Format 3: the per-example graph returns log p and the runner forms −(1/N)·Σᵢ log pᵢ,yᵢ; the plain graph
        // computes the same loss as −C·mean(onehot ⊙ log p) in float32. Tolerance 1e-6 relative + 1e-7 (summation order).
        var arch = ModelArchitecture.Parse(architecture);
        var parameters = arch.InitialParameters(new Random(21));
        var random = new Random(22);
        using var pair = new TrainerPair(arch, trainable, parameters);
        var (plain, dp) = (pair.Plain, pair.Dp);
        foreach (int n in new[] { 1, 5, 17 })
        {
            float[] features = Enumerable.Range(0, n * arch.Inputs).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
            int[] labels = Enumerable.Range(0, n).Select(_ => random.Next(arch.Classes)).ToArray();
            float expected = plain.ComputeGradients(features, labels);
            float actual = dp.ComputeGradients(features, labels);
            Assert.True(Math.Abs(actual - expected) <= 1e-7 + 1e-6 * Math.Abs(expected), $"batch {n}: DP loss {actual} vs plain {expected}");
        }
    }

    [Fact]
    public void Both_dp_graphs_pass_the_onnx_full_checker()
    {
        using var dir = new TempDirectory();
        var set = TrainingArtifactGenerator.Generate(
            ModelArchitecture.Parse("mlp-14-32-16-5"), TrainableSet.Parse("dense0.weight,dense1.bias,dense2.weight"), OptimizerSettings.Default, dir.Path, perExampleClipping: true);
        foreach (string path in new[] { set.TrainingModel, set.ClippedSumModel })
        {
            var (exitCode, output) = OnnxChecker.Check(path);
            Assert.True(exitCode == 0, $"{Path.GetFileName(path)}: {output}");
            Assert.StartsWith("ok 8 17", output.Trim(), StringComparison.Ordinal);
        }
    }

    /// <summary>A plain and a DP-SGD trainer for the same model, trainable set and starting parameters.</summary>
    private sealed class TrainerPair : IDisposable
    {
        private readonly TempDirectory _plainDir = new();
        private readonly TempDirectory _dpDir = new();

        public TrainerPair(ModelArchitecture arch, string trainable, ParameterSet parameters)
        {
            var set = TrainableSet.Parse(trainable);
            TrainingArtifactGenerator.Generate(arch, set, OptimizerSettings.Default, _plainDir.Path, parameters);
            TrainingArtifactGenerator.Generate(arch, set, OptimizerSettings.Default, _dpDir.Path, parameters, perExampleClipping: true);
            Plain = OrtTrainer.Load(_plainDir.Path);
            Dp = OrtTrainer.Load(_dpDir.Path);
        }

        public OrtTrainer Plain { get; }

        public OrtTrainer Dp { get; }

        public void Dispose()
        {
            Plain.Dispose();
            Dp.Dispose();
            _plainDir.Dispose();
            _dpDir.Dispose();
        }
    }

    [Fact]
    public void A_dp_step_allocates_no_managed_memory_after_warm_up()
    {
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(ModelArchitecture.Parse("mlp-64-32-10"), TrainableSet.All, OptimizerSettings.Default, dir.Path, perExampleClipping: true);
        using var trainer = OrtTrainer.Load(dir.Path);
        var random = new Random(3);
        float[] x = Enumerable.Range(0, 64 * 64).Select(_ => (float)random.NextDouble()).ToArray();
        int[] y = Enumerable.Range(0, 64).Select(i => i % 10).ToArray();
        for (int i = 0; i < 3; i++)
        {
            trainer.ComputeGradients(x, y);
            trainer.OptimizerStep(0.01f);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            trainer.ComputeGradients(x, y);
            trainer.OptimizerStep(0.01f);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
