using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
using FedEdge.Onnx.Tests.Support;
using FedEdge.Onnx.Training;

namespace FedEdge.Onnx.Tests.Training;

/// <summary>
/// The hand-written backward graphs against central finite differences of an independent float64
/// implementation (<see cref="ReferenceClassifier"/>). Tolerance: |g_onnx − g_fd| ≤ 2e-4 + 1e-3·|g_fd|
/// — the graph computes in float32 (relative error ~1e-6 per op), the FD reference in float64 with
/// h = 1e-5 (truncation error O(h²) ≈ 1e-10).
/// </summary>
public class GradientTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "logreg-6-4", "all" },
        { "mlp-6-5-4", "all" },
        { "mlp-6-5-7-4", "all" },
        { "mlp-6-5-7-4", "last" },
        { "mlp-6-5-7-4", "dense0.weight,dense2.bias" },
        { "mlp-6-5-7-4", "dense1.bias" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Graph_gradients_agree_with_float64_central_finite_differences(string architecture, string trainable)
    {
        var arch = ModelArchitecture.Parse(architecture);
        var random = new Random(42);
        var parameters = arch.InitialParameters(random);
        foreach (var spec in arch.Layout.Tensors.Where(t => t.Name.EndsWith(".bias", StringComparison.Ordinal)))
        {
            var bias = parameters[spec.Name];
            for (int i = 0; i < bias.Length; i++)
            {
                bias[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
            }
        }

        const int n = 9;
        float[] features = Enumerable.Range(0, n * arch.Inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] labels = Enumerable.Range(0, n).Select(i => i % arch.Classes).ToArray();

        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.Parse(trainable), OptimizerSettings.Default, dir.Path, parameters);
        using var trainer = OrtTrainer.Load(dir.Path);
        float loss = trainer.ComputeGradients(features, labels);

        double[] theta = parameters.Buffer.Select(v => (double)v).ToArray();
        Assert.Equal(ReferenceClassifier.Loss(arch, theta, features, labels), loss, 1e-5);
        double[] expected = ReferenceClassifier.NumericalGradient(arch, theta, features, labels);

        var trainableNames = TrainableSet.Parse(trainable).Resolve(arch);
        Assert.Equal(trainableNames, trainer.Gradients.Layout.Tensors.Select(t => t.Name));
        foreach (string name in trainableNames)
        {
            int offset = arch.Layout.OffsetOf(arch.Layout.IndexOf(name));
            var actual = trainer.Gradients[name];
            for (int k = 0; k < actual.Length; k++)
            {
                double fd = expected[offset + k];
                Assert.True(
                    Math.Abs(actual[k] - fd) <= 2e-4 + 1e-3 * Math.Abs(fd),
                    $"{architecture} {name}[{k}]: graph {actual[k]} vs finite difference {fd}");
            }
        }
    }
}
