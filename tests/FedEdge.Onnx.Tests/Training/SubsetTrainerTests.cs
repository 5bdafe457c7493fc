using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Tests.Support;
using FedEdge.Onnx.Training;

namespace FedEdge.Onnx.Tests.Training;

/// <summary>
/// FTTE subset training (<see cref="SubsetTrainer"/> over <see cref="TrainingArtifactGenerator.GenerateSubset"/>).
/// References: (1) central finite differences of the independent float64 <see cref="ReferenceClassifier"/>, with
/// <see cref="GradientTests"/>' tolerance |g − g_fd| ≤ 2e-4 + 1e-3·|g_fd|; (2) the full graph's gradients (every
/// tensor trainable, <see cref="OrtTrainer"/>) at the same coordinates, |g − g_full| ≤ 1e-6 + 1e-5·|g_full|: the
/// same float32 ops on the same inputs, so they may differ only by ONNX Runtime choosing another kernel or order
/// of summation. The step after one SGD update (μ = 0, no decay) must equal p − η·g_full within the same bound.
/// </summary>
public class SubsetTrainerTests
{
    private const string Architecture = "mlp-6-5-7-4";

    /// <summary>
    /// mlp-6-5-7-4's flat layout: dense0.weight 0..29, dense0.bias 30..34, dense1.weight 35..69, dense1.bias 70..76,
    /// dense2.weight 77..104, dense2.bias 105..108 (109 coordinates).
    /// </summary>
    public static TheoryData<string, int[]> Subsets => new()
    {
        // FTTE's choice without history: the highest flat indices (part of the last weight and all of its bias)
        { "last 20 coordinates", Enumerable.Range(89, 20).ToArray() },

        // sparse across every tensor, with one tensor (dense1.bias) wholly inside
        { "scattered, one whole tensor", [0, 7, 29, 31, 36, 50, 69, 70, 71, 72, 73, 74, 75, 76, 80, 104, 106] },

        // one coordinate of the first layer: backpropagation runs all the way down
        { "one first-layer weight", [13] },

        // dense1.weight [5, 7] in one column (j = 2): the graph forms only that column of the gradient, 5 of 35 values
        { "one column of a weight", [37, 44, 51, 58, 65] },

        // dense0.weight [6, 5] in one row (i = 3) and dense2.weight [7, 4] in two rows (i = 1, 5) with a column each
        // touched twice: the graph forms only those rows
        { "rows of two weights", [15, 16, 17, 18, 19, 81, 82, 97, 98] },
    };

    [Theory]
    [MemberData(nameof(Subsets))]
    public void Subset_gradients_agree_with_finite_differences_and_with_the_full_graph(string description, int[] indices)
    {
        var (arch, parameters, features, labels) = Problem();
        var subset = ParameterSubset.For(arch.Layout, indices);
        using var full = new TempDirectory();
        using var part = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Sgd(0f), full.Path, parameters);
        TrainingArtifactGenerator.GenerateSubset(arch, subset, OptimizerSettings.Sgd(0f), part.Path);
        using var dense = OrtTrainer.Load(full.Path);
        using var trainer = SubsetTrainer.Load(part.Path, arch, subset, OptimizerSettings.Sgd(0f));
        trainer.Parameters.CopyFrom(parameters);

        float denseLoss = dense.ComputeGradients(features, labels);
        float loss = trainer.ComputeGradients(features, labels);

        Assert.Equal(denseLoss, loss, 1e-6);
        double[] fd = ReferenceClassifier.NumericalGradient(arch, parameters.Buffer.Select(v => (double)v).ToArray(), features, labels);
        var gradients = trainer.Gradients;
        Assert.Equal(indices.Length, gradients.Length);
        for (int s = 0; s < indices.Length; s++)
        {
            int i = indices[s];
            double reference = fd[i];
            float fullGraph = dense.Gradients.AsSpan()[i]; // all tensors trainable: the gradient layout is the model's
            Assert.True(Math.Abs(gradients[s] - reference) <= 2e-4 + 1e-3 * Math.Abs(reference), $"{description}, coordinate {i}: subset graph {gradients[s]} vs finite difference {reference}");
            Assert.True(Math.Abs(gradients[s] - fullGraph) <= 1e-6 + 1e-5 * Math.Abs(fullGraph), $"{description}, coordinate {i}: subset graph {gradients[s]} vs full graph {fullGraph}");
        }
    }

    [Theory]
    [MemberData(nameof(Subsets))]
    public void Training_steps_leave_every_frozen_coordinate_bit_identical_and_step_the_subset_like_sgd(string description, int[] indices)
    {
        var (arch, parameters, features, labels) = Problem();
        var subset = ParameterSubset.For(arch.Layout, indices);
        using var full = new TempDirectory();
        using var part = new TempDirectory();
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Sgd(0f), full.Path, parameters);
        TrainingArtifactGenerator.GenerateSubset(arch, subset, OptimizerSettings.Sgd(0f), part.Path);
        using var dense = OrtTrainer.Load(full.Path);
        using var trainer = SubsetTrainer.Load(part.Path, arch, subset, OptimizerSettings.Sgd(0f));
        trainer.Parameters.CopyFrom(parameters);
        const float learningRate = 0.3f;

        dense.ComputeGradients(features, labels);
        trainer.ComputeGradients(features, labels);
        trainer.OptimizerStep(learningRate);

        var inSubset = new HashSet<int>(indices);
        var after = trainer.Parameters.AsSpan();
        var before = parameters.AsSpan();
        for (int i = 0; i < before.Length; i++)
        {
            if (inSubset.Contains(i))
            {
                float expected = before[i] - (learningRate * dense.Gradients.AsSpan()[i]);
                Assert.True(Math.Abs(after[i] - expected) <= 1e-6 + 1e-5 * Math.Abs(expected), $"{description}, coordinate {i}: {after[i]} vs p − ηg = {expected}");
            }
            else
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(before[i]), BitConverter.SingleToInt32Bits(after[i]));
            }
        }

        for (int step = 0; step < 20; step++)
        {
            trainer.ComputeGradients(features, labels);
            trainer.OptimizerStep(learningRate);
        }

        after = trainer.Parameters.AsSpan();
        for (int i = 0; i < before.Length; i++)
        {
            if (!inSubset.Contains(i))
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(before[i]), BitConverter.SingleToInt32Bits(after[i]));
            }
        }

        Assert.True(trainer.ComputeGradients(features, labels) < dense.ComputeGradients(features, labels), "21 steps on the subset lower the loss");
    }

    [Fact]
    public void A_subset_training_step_allocates_no_managed_memory_after_warm_up()
    {
        var (arch, parameters, features, labels) = Problem();
        var subset = ParameterSubset.For(arch.Layout, [0, 7, 31, 50, 80, 104, 106]);
        using var part = new TempDirectory();
        TrainingArtifactGenerator.GenerateSubset(arch, subset, OptimizerSettings.Default, part.Path);
        using var trainer = SubsetTrainer.Load(part.Path, arch, subset, OptimizerSettings.Default);
        trainer.Parameters.CopyFrom(parameters);
        for (int i = 0; i < 3; i++)
        {
            trainer.ComputeGradients(features, labels);
            trainer.OptimizerStep(0.01f);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            trainer.ComputeGradients(features, labels);
            trainer.OptimizerStep(0.01f);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_set_generated_for_one_subset_is_refused_for_another()
    {
        var arch = ModelArchitecture.Parse(Architecture);
        using var part = new TempDirectory();
        TrainingArtifactGenerator.GenerateSubset(arch, ParameterSubset.For(arch.Layout, [1, 2, 3]), OptimizerSettings.Sgd(0f), part.Path);

        var ex = Assert.Throws<TrainingArtifactException>(() => SubsetTrainer.Load(part.Path, arch, ParameterSubset.For(arch.Layout, [1, 2, 4]), OptimizerSettings.Sgd(0f)));

        Assert.Contains("subset", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OrtTrainer_refuses_a_subset_set_and_names_the_subset_trainer()
    {
        var arch = ModelArchitecture.Parse(Architecture);
        using var part = new TempDirectory();
        TrainingArtifactGenerator.GenerateSubset(arch, ParameterSubset.For(arch.Layout, [1, 2, 3]), OptimizerSettings.Sgd(0f), part.Path);

        var ex = Assert.Throws<TrainingArtifactException>(() => OrtTrainer.Load(part.Path));

        Assert.Contains(nameof(SubsetTrainer), ex.Message, StringComparison.Ordinal);
    }

    private static (ModelArchitecture Architecture, ParameterSet Parameters, float[] Features, int[] Labels) Problem()
    {
        var arch = ModelArchitecture.Parse(Architecture);
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
        return (arch, parameters, features, labels);
    }
}
