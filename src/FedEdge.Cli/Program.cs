using FedEdge.Cli;
using FedEdge.Onnx.Training;

// before anything else: ONNX Runtime's telemetry client must never start (OrtTelemetry)
OrtTelemetry.DisableForProcess();
return await CliApplication.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
