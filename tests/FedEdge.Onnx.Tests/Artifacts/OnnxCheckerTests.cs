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
}
