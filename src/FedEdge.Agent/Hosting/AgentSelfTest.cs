using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FedEdge.Agent.Eligibility;
using FedEdge.Agent.Privacy;
using FedEdge.Core.Models;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Privacy;
using FedEdge.Onnx.Training;
using FedEdge.Sensors.Simulated;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// <c>fededge-agent --self-test</c>: proves on the target board (or under qemu) that the native
/// ONNX Runtime loads, generated artifacts train with DP-SGD, the privacy ledger opens and records,
/// and reports what the eligibility sources read. Runs in a temp directory; touches no state.
/// </summary>
public static class AgentSelfTest
{
    /// <summary>Runs every check, writes a report to <paramref name="output"/>, returns 0 when all passed.</summary>
    public static int Run(bool simulatedSensors, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"fededge-agent self-test on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}), .NET {Environment.Version}");
        string directory = Directory.CreateTempSubdirectory("fededge-selftest-").FullName;
        int failures = 0;
        try
        {
            var architecture = ModelArchitecture.Mlp(SmartHomeActivityGenerator.FeatureNames.Count, [8], SmartHomeActivityGenerator.ClassCount);
            var data = SmartHomeFeatureScaling.Standardize(new SmartHomeActivityGenerator(1).GenerateHome(0, 256));
            failures += Check(output, "training artifacts generate", () =>
            {
                TrainingArtifactGenerator.Generate(architecture, TrainableSet.All, OptimizerSettings.Sgd(0f), Path.Combine(directory, "artifacts"), perExampleClipping: true);
                return $"{architecture} in {Path.Combine(directory, "artifacts")}";
            });
            failures += Check(output, "one DP-SGD step runs on ONNX Runtime", () =>
            {
                using var trainer = OrtTrainer.Load(Path.Combine(directory, "artifacts"));
                using var noise = new GaussianNoise();
                using var rng = RandomNumberGenerator.Create();
                var dpSgd = new DpSgd(trainer, new DpSgdSettings(0.1, 1.1, 1.0f), noise, new SecureRandomBits(rng), data.Count);
                var before = trainer.Parameters.Clone();
                var watch = Stopwatch.StartNew();
                float loss = dpSgd.Step(data, 0.05f);
                watch.Stop();
                before.SetDifference(trainer.Parameters, before);
                if (!trainer.Parameters.AllFinite() || before.L2Norm() == 0)
                {
                    throw new InvalidOperationException("the step left the parameters unchanged or non-finite");
                }

                return string.Create(CultureInfo.InvariantCulture, $"batch {dpSgd.LastBatchSize}, loss {loss:F3}, ‖Δ‖ {before.L2Norm():G3}, {watch.Elapsed.TotalMilliseconds:F1} ms");
            });
            failures += Check(output, "privacy ledger opens and records", () =>
            {
                using var ledger = PrivacyLedger.Open(Path.Combine(directory, "privacy.ledger"), new PrivacyBudget(8, 1e-5), new RdpAccountant(), TimeProvider.System);
                ledger.Reserve(MechanismKind.UserLevelGaussian, new SubsampledGaussian(1.0, 1.0, 1), 1);
                double spent = ledger.Spent().Epsilon;
                if (!(spent > 0 && spent < 8))
                {
                    throw new InvalidOperationException($"one release recorded ε = {spent}");
                }

                return string.Create(CultureInfo.InvariantCulture, $"one user-level release (z = 1) costs ε = {spent:F3} at δ = 1e-5");
            });

            // Informational: a missing sysfs source is normal in a container or under qemu.
            output.WriteLine($"  info  cpu times: {(new ProcStatCpuTimes().Read() is null ? "unavailable" : "readable")}");
            output.WriteLine($"  info  power (sysfs): {new SysfsPowerSupply().Read()}");
            double? celsius = new SysfsThermal().ReadCelsius();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  info  temperature: {(celsius is double c ? $"{c:F1} °C" : "no thermal zone")}"));
            output.WriteLine($"  info  sensors: {(simulatedSensors ? "simulated (seeded smart-home generator)" : "sample store (not checked here)")}");
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // a leftover temp directory does not fail the self-test
            }
        }

        output.WriteLine(failures == 0 ? "self-test passed" : $"self-test FAILED ({failures} check(s))");
        return failures == 0 ? 0 : 1;
    }

    private static int Check(TextWriter output, string name, Func<string> check)
    {
        try
        {
            string detail = check();
            output.WriteLine($"  ok    {name}: {detail}");
            return 0;
        }
#pragma warning disable CA1031 // a self-test reports every failure instead of crashing at the first
        catch (Exception ex)
#pragma warning restore CA1031
        {
            output.WriteLine($"  FAIL  {name}: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }
}
