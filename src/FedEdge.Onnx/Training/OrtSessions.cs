using Microsoft.ML.OnnxRuntime;

namespace FedEdge.Onnx.Training;

/// <summary>
/// The one way FedEdge opens an ONNX Runtime session. ONNX Runtime's official Linux build ships Microsoft's telemetry
/// client and enables it by default (the package's Privacy.md): on first use it creates a database under
/// ~/.cache/Microsoft/DeveloperTools/.onnxruntime and reads a device id. A privacy product turns that off before any
/// session exists, in code, so every process (agent, CLI, simulator, tests) is covered, not only the systemd unit.
/// </summary>
public static class OrtSessions
{
    /// <summary>Opens the model file at <paramref name="path"/> with telemetry off.</summary>
    public static InferenceSession Open(string path, SessionOptions options)
    {
        DisableTelemetry();
        return new InferenceSession(path, options);
    }

    /// <summary>Opens an in-memory model with telemetry off.</summary>
    public static InferenceSession Open(byte[] model, SessionOptions options)
    {
        DisableTelemetry();
        return new InferenceSession(model, options);
    }

    // idempotent: the process-wide environment exists once, and turning its telemetry off again is a no-op
    private static void DisableTelemetry() => OrtEnv.Instance().DisableTelemetryEvents();
}
