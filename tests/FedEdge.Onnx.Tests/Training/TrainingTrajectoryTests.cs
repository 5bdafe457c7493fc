using FedEdge.Core.Models;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Tests.Support;
using FedEdge.Onnx.Training;

namespace FedEdge.Onnx.Tests.Training;

/// <summary>
/// Whole training runs through the generated artifacts (training graph, flat optimizer graph, the
/// trainer's gather/scatter of the trainable tensors and its per-step optimizer scalars) against an
/// independent float64 trainer: <see cref="ReferenceClassifier.Gradient"/> and the optimizer rules written
/// out here (SGD: v ← μv + g + λp, p ← p − ηv; AdamW: Loshchilov &amp; Hutter 2019, Alg. 2, with m̂, v̂ as in
/// the paper, not the rearranged scalars the graph uses). Same batches, 40 steps.
/// Tolerance |p_onnx − p_ref| ≤ 2e-4 + 2e-3·|p_ref| per parameter: float32 arithmetic (relative error
/// ~1e-6 per op) accumulated over 40 steps whose updates are each ≤ η·(a few) in magnitude. Frozen
/// tensors must be bit-identical to the start.
/// </summary>
public class TrainingTrajectoryTests
{
    public static TheoryData<string, string, OptimizerKind> Cases => new()
    {
        { "mlp-8-6-5-3", "all", OptimizerKind.AdamW },
        { "mlp-8-6-5-3", "all", OptimizerKind.SgdMomentum },
        { "mlp-8-6-5-3", "last", OptimizerKind.AdamW },
        { "mlp-8-6-5-3", "dense0.weight,dense2.bias", OptimizerKind.AdamW },
        { "mlp-8-6-5-3", "dense1.bias,dense2.weight", OptimizerKind.SgdMomentum },
        { "logreg-8-3", "all", OptimizerKind.AdamW },
    };

    [Fact]
    public void The_float64_reference_gradient_agrees_with_central_finite_differences()
    {
        // the reference is itself checked: |g − g_fd| ≤ 1e-7 + 1e-6·|g_fd| (both float64, h = 1e-5)
        var arch = ModelArchitecture.Parse("mlp-5-4-3-3");
        var random = new Random(8);
        double[] theta = arch.InitialParameters(random).Buffer.Select(v => (double)v + ((random.NextDouble() - 0.5) * 0.1)).ToArray();
        float[] x = Enumerable.Range(0, 7 * 5).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] y = Enumerable.Range(0, 7).Select(i => i % 3).ToArray();
        double[] analytic = ReferenceClassifier.Gradient(arch, theta, x, y);
        double[] numeric = ReferenceClassifier.NumericalGradient(arch, theta, x, y);
        for (int k = 0; k < theta.Length; k++)
        {
            Assert.True(Math.Abs(analytic[k] - numeric[k]) <= 1e-7 + 1e-6 * Math.Abs(numeric[k]), $"[{k}] {analytic[k]} vs {numeric[k]}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forty_training_steps_track_a_float64_reference_trainer(string architecture, string trainable, OptimizerKind kind)
    {
        var arch = ModelArchitecture.Parse(architecture);
        var settings = kind == OptimizerKind.AdamW
            ? new OptimizerSettings { Kind = kind, WeightDecay = 0.05f }
            : new OptimizerSettings { Kind = kind, Momentum = 0.9f, WeightDecay = 0.02f };
        const float learningRate = 0.02f;
        var random = new Random(21);
        var start = arch.InitialParameters(random);
        const int rows = 60;
        const int batch = 12;
        float[] x = Enumerable.Range(0, rows * arch.Inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] y = Enumerable.Range(0, rows).Select(_ => random.Next(arch.Classes)).ToArray();

        using var dir = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.Parse(trainable), settings, dir.Path, start);
        using var trainer = OrtTrainer.Load(dir.Path);
        bool[] mask = Mask(arch, TrainableSet.Parse(trainable).Resolve(arch));

        double[] p = start.Buffer.Select(v => (double)v).ToArray();
        double[] m = new double[p.Length];
        double[] v = new double[p.Length];
        for (int step = 1; step <= 40; step++)
        {
            int first = ((step - 1) * batch) % rows;
            var bx = x.AsSpan(first * arch.Inputs, batch * arch.Inputs);
            var by = y.AsSpan(first, batch);
            trainer.ComputeGradients(bx, by);
            trainer.OptimizerStep(learningRate);

            double[] g = ReferenceClassifier.Gradient(arch, p, bx, by);
            for (int k = 0; k < p.Length; k++)
            {
                if (!mask[k])
                {
                    continue;
                }

                if (kind == OptimizerKind.SgdMomentum)
                {
                    m[k] = (settings.Momentum * m[k]) + g[k] + (settings.WeightDecay * p[k]);
                    p[k] -= learningRate * m[k];
                }
                else
                {
                    m[k] = (settings.Beta1 * m[k]) + ((1 - settings.Beta1) * g[k]);
                    v[k] = (settings.Beta2 * v[k]) + ((1 - settings.Beta2) * g[k] * g[k]);
                    double mHat = m[k] / (1 - Math.Pow(settings.Beta1, step));
                    double vHat = v[k] / (1 - Math.Pow(settings.Beta2, step));
                    p[k] -= learningRate * ((mHat / (Math.Sqrt(vHat) + settings.Epsilon)) + (settings.WeightDecay * p[k]));
                }
            }
        }

        for (int k = 0; k < p.Length; k++)
        {
            float actual = trainer.Parameters.Buffer[k];
            if (mask[k])
            {
                Assert.True(Math.Abs(actual - p[k]) <= 2e-4 + 2e-3 * Math.Abs(p[k]), $"{architecture} [{trainable}] {kind}: parameter {k} is {actual}, reference {p[k]}");
            }
            else
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(start.Buffer[k]), BitConverter.SingleToInt32Bits(actual));
            }
        }

        Assert.Equal(40, trainer.Checkpoint.Step);
    }

    private static bool[] Mask(ModelArchitecture arch, IReadOnlyList<string> names)
    {
        var mask = new bool[arch.Layout.TotalLength];
        foreach (string name in names)
        {
            int index = arch.Layout.IndexOf(name);
            Array.Fill(mask, true, arch.Layout.OffsetOf(index), arch.Layout.Tensors[index].Length);
        }

        return mask;
    }
}
