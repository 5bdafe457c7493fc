using System.Diagnostics;

namespace FedEdge.Onnx.Tests.Support;

/// <summary>Runs <c>onnx.checker.check_model(path, full_check=True)</c> from Debian's python3-onnx.</summary>
public static class OnnxChecker
{
    public static (int ExitCode, string Output) Check(string path)
    {
        // Debian's python3-onnx lives with /usr/bin/python3; a pyenv or venv python3 on PATH would not see it.
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('ok', m.ir_version, m.opset_import[0].version)");
        start.ArgumentList.Add(path);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {python}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "onnx checker timed out");
        }

        return (process.ExitCode, stdout.Result + stderr);
    }
}
