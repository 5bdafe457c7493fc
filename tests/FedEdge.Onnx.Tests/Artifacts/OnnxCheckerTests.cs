using FedEdge.Core.Codecs;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
using FedEdge.Onnx.Tests.Support;

namespace FedEdge.Onnx.Tests.Artifacts;

public class OnnxCheckerTests
{
    public static TheoryData<string, string, OptimizerKind> Models => new()
    {
        { "logreg-64-10", "all", OptimizerKind.SgdMomentum },
        { "logreg-64-10", "all", OptimizerKind.AdamW },
        { "mlp-64-32-10", "all", OptimizerKind.AdamW },
        { "mlp-64-32-10", "last", OptimizerKind.SgdMomentum },
        { "mlp-14-32-16-5", "dense0.weight,dense2.bias", OptimizerKind.AdamW },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_generated_graph_passes_the_onnx_full_checker(string architecture, string trainable, OptimizerKind optimizer)
    {
        using var dir = new TempDirectory();
        var arch = ModelArchitecture.Parse(architecture);
        var set = TrainingArtifactGenerator.Generate(arch, TrainableSet.Parse(trainable), new OptimizerSettings { Kind = optimizer }, dir.Path);
        string inference = dir.File(ArtifactNames.InferenceModel);
        TrainingArtifactGenerator.ExportInferenceModel(arch, arch.InitialParameters(new Random(1)), inference);

        foreach (string path in new[] { set.TrainingModel, set.EvalModel, set.OptimizerModel, inference })
        {
            var (exitCode, output) = OnnxChecker.Check(path);
            Assert.True(exitCode == 0, $"onnx.checker rejected {Path.GetFileName(path)}: {output}");
            Assert.StartsWith("ok 8 17", output.Trim(), StringComparison.Ordinal);
        }
    }

    public static TheoryData<string, string, OptimizerKind> SubsetModels => new()
    {
        { "mlp-64-32-10", "last-200", OptimizerKind.SgdMomentum },
        { "mlp-14-32-16-5", "scattered", OptimizerKind.AdamW },
        { "logreg-64-10", "whole-bias", OptimizerKind.SgdMomentum },
    };

    [Theory]
    [MemberData(nameof(SubsetModels))]
    public void Every_generated_subset_graph_passes_the_onnx_full_checker(string architecture, string subset, OptimizerKind optimizer)
    {
        using var dir = new TempDirectory();
        var arch = ModelArchitecture.Parse(architecture);
        int n = arch.Layout.TotalLength;
        int[] indices = subset switch
        {
            "last-200" => Enumerable.Range(n - 200, 200).ToArray(),
            "scattered" => Enumerable.Range(0, n).Where(i => i % 37 == 3).ToArray(),
            _ => Enumerable.Range(n - arch.Classes, arch.Classes).ToArray(),
        };
        var set = TrainingArtifactGenerator.GenerateSubset(arch, ParameterSubset.For(arch.Layout, indices), new OptimizerSettings { Kind = optimizer }, dir.Path);

        foreach (string path in new[] { set.TrainingModel, set.OptimizerModel })
        {
            var (exitCode, output) = OnnxChecker.Check(path);
            Assert.True(exitCode == 0, $"onnx.checker rejected {Path.GetFileName(path)}: {output}");
            Assert.StartsWith("ok 8 17", output.Trim(), StringComparison.Ordinal);
        }
    }
}
