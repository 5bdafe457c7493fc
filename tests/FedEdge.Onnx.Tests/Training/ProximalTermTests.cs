using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Tests.Support;
using FedEdge.Onnx.Training;

namespace FedEdge.Onnx.Tests.Training;

/// <summary>
/// Ditto's proximal term in the generated training graph (Li et al. 2021, eq. 2):
/// h(W) = F(W) + (λ/2)·Σ_trainable ‖W − W.anchor‖². The reference is the float64
/// <see cref="ReferenceClassifier"/> loss plus the penalty written out here, differentiated by
/// central finite differences (h = 1e-5). Tolerance as in <see cref="GradientTests"/>:
/// |g_onnx − g_fd| ≤ 2e-4 + 1e-3·|g_fd|.
/// </summary>
public class ProximalTermTests
{
    public static TheoryData<string, string, float> Cases => new()
    {
        { "logreg-6-4", "all", 0.7f },
        { "mlp-6-5-4", "all", 2.5f },
        { "mlp-6-5-7-4", "last", 1.3f },
        { "mlp-6-5-7-4", "dense0.weight,dense2.bias", 0.4f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Proximal_gradients_agree_with_float64_central_finite_differences_of_the_full_loss(string architecture, string trainable, float lambda)
    {
        var arch = ModelArchitecture.Parse(architecture);
        var random = new Random(7);
        var parameters = RandomParameters(arch, random);
        var anchor = RandomParameters(arch, random);
        var (features, labels) = RandomBatch(arch, 9, random);
        var names = TrainableSet.Parse(trainable).Resolve(arch);

        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.Parse(trainable), OptimizerSettings.Default, dir.Path, parameters, proximalTerm: true);
        using var trainer = OrtTrainer.Load(dir.Path);
        Assert.True(trainer.Proximal);
        trainer.SetAnchor(anchor);
        trainer.ProximalLambda = lambda;
        float loss = trainer.ComputeGradients(features, labels);

        double[] theta = parameters.Buffer.Select(v => (double)v).ToArray();
        double[] a = anchor.Buffer.Select(v => (double)v).ToArray();
        bool[] mask = TrainableMask(arch, names);
        double FullLoss(double[] t) => ReferenceClassifier.Loss(arch, t, features, labels) + Penalty(t, a, mask, lambda);

        Assert.Equal(FullLoss(theta), loss, 1e-4);
        var probe = (double[])theta.Clone();
        foreach (string name in names)
        {
            int offset = arch.Layout.OffsetOf(arch.Layout.IndexOf(name));
            var actual = trainer.Gradients[name];
            for (int k = 0; k < actual.Length; k++)
            {
                const double h = 1e-5;
                probe[offset + k] = theta[offset + k] + h;
                double plus = FullLoss(probe);
                probe[offset + k] = theta[offset + k] - h;
                double minus = FullLoss(probe);
                probe[offset + k] = theta[offset + k];
                double fd = (plus - minus) / (2 * h);
                Assert.True(
                    Math.Abs(actual[k] - fd) <= 2e-4 + 1e-3 * Math.Abs(fd),
                    $"{architecture} {name}[{k}]: graph {actual[k]} vs finite difference {fd}");
            }
        }
    }

    [Fact]
    public void With_lambda_zero_the_proximal_graph_gives_exactly_the_plain_loss_and_gradients()
    {
        var arch = ModelArchitecture.Parse("mlp-6-5-7-4");
        var random = new Random(3);
        var parameters = RandomParameters(arch, random);
        var anchor = RandomParameters(arch, random);
        var (features, labels) = RandomBatch(arch, 11, random);

        using var plainDir = new TempDirectory();
        using var proximalDir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, plainDir.Path, parameters);
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, proximalDir.Path, parameters, proximalTerm: true);
        using var plain = OrtTrainer.Load(plainDir.Path);
        using var proximal = OrtTrainer.Load(proximalDir.Path);
        proximal.SetAnchor(anchor);
        proximal.ProximalLambda = 0f;

        Assert.Equal(plain.ComputeGradients(features, labels), proximal.ComputeGradients(features, labels));
        Assert.Equal(plain.Gradients.Buffer, proximal.Gradients.Buffer);
    }

    [Fact]
    public void The_proximal_training_graph_passes_the_onnx_full_checker()
    {
        using var dir = new TempDirectory();
        var set = TrainingArtifactGenerator.Generate(ModelArchitecture.Parse("mlp-64-32-10"), TrainableSet.All, OptimizerSettings.Sgd(), dir.Path, proximalTerm: true);
        var (exitCode, output) = OnnxChecker.Check(set.TrainingModel);
        Assert.True(exitCode == 0, $"onnx.checker rejected the proximal training graph: {output}");
        Assert.StartsWith("ok 8 17", output.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_proximal_training_step_allocates_no_managed_memory_after_warm_up()
    {
        var arch = ModelArchitecture.Parse("mlp-64-32-10");
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Sgd(), dir.Path, proximalTerm: true);
        using var trainer = OrtTrainer.Load(dir.Path);
        var anchor = arch.InitialParameters(new Random(2));
        trainer.ProximalLambda = 0.5f;
        var random = new Random(4);
        var (features, labels) = RandomBatch(arch, 32, random);
        for (int i = 0; i < 5; i++)
        {
            trainer.SetAnchor(anchor);
            trainer.ComputeGradients(features, labels);
            trainer.OptimizerStep(0.01f);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            trainer.SetAnchor(anchor);
            trainer.ComputeGradients(features, labels);
            trainer.OptimizerStep(0.01f);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_large_lambda_keeps_training_close_to_the_anchor()
    {
        // With λ ≫ the data curvature the minimiser of h is ≈ the anchor (Ditto, eq. 2 as λ → ∞).
        var arch = ModelArchitecture.Parse("logreg-6-4");
        var random = new Random(9);
        var start = RandomParameters(arch, random);
        var anchor = RandomParameters(arch, random);
        var (features, labels) = RandomBatch(arch, 16, random);
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Sgd(momentum: 0f), dir.Path, start, proximalTerm: true);
        using var trainer = OrtTrainer.Load(dir.Path);
        trainer.SetAnchor(anchor);
        trainer.ProximalLambda = 50f;
        for (int i = 0; i < 200; i++)
        {
            trainer.ComputeGradients(features, labels);
            trainer.OptimizerStep(0.01f);
        }

        var distance = new ParameterSet(arch.Layout);
        distance.SetDifference(trainer.Parameters, anchor);
        var initial = new ParameterSet(arch.Layout);
        initial.SetDifference(start, anchor);
        // ‖∂F/∂(W, b)‖ ≤ √2·√(‖x‖² + 1) ≤ √2·√7 ≈ 3.8 for x ∈ [−1, 1]⁶, so at the stationary point ‖W − A‖ ≤ 3.8/λ ≈ 0.076;
        // SGD with ηλ = 0.5 contracts towards it by ½ per step, so 200 steps reach it.
        Assert.True(distance.L2Norm() < 0.1f, $"‖W − anchor‖ = {distance.L2Norm()} (started at {initial.L2Norm()})");
    }

    [Fact]
    public void Setting_an_anchor_on_a_graph_without_the_proximal_term_is_refused()
    {
        var arch = ModelArchitecture.Parse("logreg-6-4");
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Default, dir.Path);
        using var trainer = OrtTrainer.Load(dir.Path);
        Assert.False(trainer.Proximal);
        var ex = Assert.Throws<InvalidOperationException>(() => trainer.SetAnchor(new ParameterSet(arch.Layout)));
        Assert.Contains("proximal", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Proximal_term_and_per_example_clipping_cannot_be_generated_together()
    {
        using var dir = new TempDirectory();
        Assert.Throws<ArgumentException>(() => TrainingArtifactGenerator.Generate(
            ModelArchitecture.Parse("logreg-6-4"), TrainableSet.All, OptimizerSettings.Default, dir.Path, perExampleClipping: true, proximalTerm: true));
    }

    [Fact]
    public void An_anchor_over_the_trainable_subset_is_accepted_and_one_of_another_model_is_refused()
    {
        var arch = ModelArchitecture.Parse("mlp-6-5-4");
        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.LastLayers(1), OptimizerSettings.Default, dir.Path, proximalTerm: true);
        using var trainer = OrtTrainer.Load(dir.Path);
        var subset = new ParameterSet(arch.Layout.Subset(TrainableSet.LastLayers(1).Resolve(arch)));
        subset.AsSpan().Fill(0.25f);
        trainer.SetAnchor(subset);
        Assert.Equal(subset.Buffer, trainer.Anchor!.Buffer);
        Assert.Throws<ArgumentException>(() => trainer.SetAnchor(new ParameterSet(ModelArchitecture.Parse("logreg-6-4").Layout)));
    }

    private static double Penalty(double[] theta, double[] anchor, bool[] mask, double lambda)
    {
        double sum = 0;
        for (int k = 0; k < theta.Length; k++)
        {
            if (mask[k])
            {
                double d = theta[k] - anchor[k];
                sum += d * d;
            }
        }

        return lambda / 2 * sum;
    }

    private static bool[] TrainableMask(ModelArchitecture arch, IReadOnlyList<string> names)
    {
        var mask = new bool[arch.Layout.TotalLength];
        foreach (string name in names)
        {
            int index = arch.Layout.IndexOf(name);
            Array.Fill(mask, true, arch.Layout.OffsetOf(index), arch.Layout.Tensors[index].Length);
        }

        return mask;
    }

    private static ParameterSet RandomParameters(ModelArchitecture arch, Random random)
    {
        var parameters = arch.InitialParameters(random);
        foreach (var spec in arch.Layout.Tensors.Where(t => t.Name.EndsWith(".bias", StringComparison.Ordinal)))
        {
            var bias = parameters[spec.Name];
            for (int i = 0; i < bias.Length; i++)
            {
                bias[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
            }
        }

        return parameters;
    }

    private static (float[] Features, int[] Labels) RandomBatch(ModelArchitecture arch, int n, Random random) =>
        (Enumerable.Range(0, n * arch.Inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray(),
         Enumerable.Range(0, n).Select(i => i % arch.Classes).ToArray());
}
