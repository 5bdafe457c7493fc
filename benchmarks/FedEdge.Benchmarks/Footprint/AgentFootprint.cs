using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using FedEdge.Cli.Data;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Training;
using FedEdge.Sensors.Datasets;
using Microsoft.ML.OnnxRuntime;

namespace FedEdge.Benchmarks.Footprint;

/// <summary>
/// A measured run for issue 5/7's footprint targets, in one run:
/// (1) peak RSS (VmHWM) of a process training the digits MLP 64-32-10 with the agent's trainer
/// (OrtTrainer over the generated artifacts, 5 epochs) ÷ peak RSS of a bare .NET process that loads
/// ONNX Runtime and runs one inference of the same model — target ≤ 1.15×;
/// (2) CPU used by the real fededge-agent over 60 s while connected to a broker that offers no
/// model (so it is never eligible) — target ≤ 0.1 % of one core.
/// </summary>
internal static class AgentFootprint
{
    public static async Task<int> RunAsync()
    {
        long bare = await ChildPeakAsync("bare");
        long train = await ChildPeakAsync("train");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS, bare ORT inference process: {bare / 1024.0:F1} MiB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS, digits-MLP training process:  {train / 1024.0:F1} MiB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio training / bare: {(double)train / bare:F3} (target ≤ 1.15)"));

        double idle = await AgentIdleCpuPercentAsync(TimeSpan.FromSeconds(60));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fededge-agent idle CPU over 60 s: {idle:F3} % of one core (target ≤ 0.1 %)"));
        return 0;
    }

    /// <summary>The child side: do the work, then print VmHWM in kB.</summary>
    public static int Child(string mode)
    {
        string directory = Directory.CreateTempSubdirectory("fededge-footprint-").FullName;
        try
        {
            var architecture = ModelArchitecture.Parse("mlp-64-32-10");
            TrainingArtifactGenerator.Generate(architecture, TrainableSet.All, OptimizerSettings.Default, directory);
            if (mode == "bare")
            {
                string model = Path.Combine(directory, ArtifactNames.InferenceModel);
                TrainingArtifactGenerator.ExportInferenceModel(architecture, architecture.InitialParameters(new Random(0)), model);
                using var options = new SessionOptions { IntraOpNumThreads = 1 };
                using var session = FedEdge.Onnx.Training.OrtSessions.Open(model, options);
                using var input = OrtValue.CreateTensorValueFromMemory(new float[64], [1, 64]);
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, [ArtifactNames.Features], [input], [ArtifactNames.Predictions]);
            }
            else
            {
                var raw = new CsvDatasetReader().Read(RepositoryDataFiles.Find(RepositoryDataFiles.DigitsFileName));
                var data = FeatureStandardization.Fit(raw).Apply(raw);
                using var trainer = OrtTrainer.Load(directory);
                CentralTraining.Run(trainer, data, 5, 32, 0.01f, new Random(0));
            }

            Console.WriteLine("VmHWM " + PeakRssKilobytes(Environment.ProcessId).ToString(CultureInfo.InvariantCulture));
            return 0;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<long> ChildPeakAsync(string mode)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(AgentFootprint).Assembly.Location);
        start.ArgumentList.Add("footprint-child");
        start.ArgumentList.Add(mode);
        using var child = Process.Start(start) ?? throw new InvalidOperationException("cannot start the footprint child");
        string output = await child.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await child.WaitForExitAsync().ConfigureAwait(false);
        string line = output.Split('\n').Single(l => l.StartsWith("VmHWM ", StringComparison.Ordinal));
        return long.Parse(line.AsSpan(6), CultureInfo.InvariantCulture);
    }

    private static async Task<double> AgentIdleCpuPercentAsync(TimeSpan window)
    {
        string directory = Directory.CreateTempSubdirectory("fededge-agent-idle-").FullName;
        int port = FreePort();
        using var broker = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", WriteBrokerConfig(directory, port)]) { UseShellExecute = false, RedirectStandardError = true })
            ?? throw new InvalidOperationException("cannot start mosquitto");
        try
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            string keyPath = Path.Combine(directory, "model-signing.pub");
            await File.WriteAllTextAsync(keyPath, key.ExportSubjectPublicKeyInfoPem()).ConfigureAwait(false);
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(AgentDll());
            foreach (string arg in new[]
            {
                "--Agent:DeviceId=idle-01", "--Agent:StateDirectory=" + Path.Combine(directory, "state"), "--Agent:ModelKeyPath=" + keyPath,
                "--Agent:SimulatedSensors=true", "--Agent:PowerSource=mains", "--Agent:Mqtt:Host=127.0.0.1",
                "--Agent:Mqtt:Port=" + port.ToString(CultureInfo.InvariantCulture), "--Agent:Mqtt:UseTls=false",
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var agent = Process.Start(start) ?? throw new InvalidOperationException("cannot start fededge-agent");
            agent.OutputDataReceived += (_, _) => { };
            agent.ErrorDataReceived += (_, _) => { };
            agent.BeginOutputReadLine();
            agent.BeginErrorReadLine();
            try
            {
                // start-up and the first CheckInterval/prediction ticks JIT-compile their code paths once: not idle
                await Task.Delay(TimeSpan.FromSeconds(100)).ConfigureAwait(false);
                if (agent.HasExited)
                {
                    throw new InvalidOperationException($"fededge-agent exited with {agent.ExitCode}");
                }

                long before = CpuTicks(agent.Id);
                await Task.Delay(window).ConfigureAwait(false);
                long after = CpuTicks(agent.Id);
                const double ticksPerSecond = 100; // USER_HZ on Linux
                return 100.0 * (after - before) / ticksPerSecond / window.TotalSeconds;
            }
            finally
            {
                agent.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            broker.Kill(entireProcessTree: true);
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string WriteBrokerConfig(string directory, int port)
    {
        string conf = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllText(conf, $"listener {port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1\nallow_anonymous true\npersistence false\nuser {Environment.UserName}\n");
        return conf;
    }

    private static long PeakRssKilobytes(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("no VmHWM in /proc/self/status");
    }

    private static long CpuTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static string AgentDll() => Common.SiblingBuild.Dll("FedEdge.Agent", "fededge-agent.dll");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
