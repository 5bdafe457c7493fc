using System.Runtime.InteropServices;

namespace FedEdge.Onnx.Training;

/// <summary>
/// Keeps ONNX Runtime's telemetry client from starting. The official Linux build enables it by default and, when the
/// runtime's environment is created, writes ~/.cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid,onnxruntime.db};
/// <c>OrtEnv.DisableTelemetryEvents</c> comes too late for that (measured: the files appear anyway). Only the variable
/// <c>ORT_DISABLE_TELEMETRY=1</c>, read by the native library when the environment is created, prevents it. .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach the native environment on Unix, so the
/// entry points call <see cref="DisableForProcess"/> first, before any thread or ONNX Runtime exists.
/// </summary>
public static class OrtTelemetry
{
    /// <summary>The variable ONNX Runtime reads.</summary>
    public const string Variable = "ORT_DISABLE_TELEMETRY";

    /// <summary>
    /// Sets <see cref="Variable"/> in the process's native environment. Call it first thing in <c>Main</c>: setenv is not
    /// safe while other threads read the environment.
    /// </summary>
    public static void DisableForProcess()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = SetEnvironment(Variable, "1", 1);
        }

        Environment.SetEnvironmentVariable(Variable, "1");
    }

    // DllImport, not LibraryImport: the generated marshaller needs unsafe code in this project for one call at start-up
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetEnvironment(string name, string value, int overwrite);
#pragma warning restore SYSLIB1054
}
