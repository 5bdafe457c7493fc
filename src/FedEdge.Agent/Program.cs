using FedEdge.Device.Configuration;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Sampling;
using FedEdge.Hosting;
using FedEdge.Hosting.Configuration;
using FedEdge.Onnx.Training;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

const string Usage = """
    usage: fededge-agent [--config FILE] [--Agent:Key=value ...]       run the agent (systemd: fededge-agent.service)
           fededge-agent --check-config [--config FILE] [settings]    bind and validate the settings as the service would, then exit
           fededge-agent --self-test [--simulated-sensors] [--config FILE] [settings]
                                                                       check sensors, ONNX Runtime, ledger, model key, power, broker
           fededge-agent status [--config FILE] [settings]            the device's state as JSON, from its state directory (no network)
           fededge-agent reset-ledger --i-understand [--config FILE] [settings]
                                                                       start a refused privacy ledger again (agent stopped): the old
                                                                       files are kept and the spent ε is carried forward, never restored
    Settings, lowest precedence first: appsettings.json beside the executable, /etc/fededge/agent.json, --config FILE,
    FEDEDGE_Agent__Key environment variables, --Agent:Key=value arguments. Unknown keys are errors.
    Exit codes: 0 stopped on request, or a command (--check-config, --self-test, status, reset-ledger) succeeded;
                1 stopped by a fault (start-up failed, or a loop met an error it cannot survive): systemd restarts it;
                  for --self-test: a check failed; for reset-ledger: the agent holds the ledger, or a file could not be written;
                2 bad arguments or configuration (reset-ledger without --i-understand): systemd does not restart it
                  (RestartPreventExitStatus=2).
    A privacy ledger that is damaged, lost records, or is missing on a device that has run before is refused: the agent
    keeps running (predictions, outbox, status say why) but does not train until reset-ledger.
    """;

// before anything else: ONNX Runtime's telemetry client must never start on a device (OrtTelemetry)
OrtTelemetry.DisableForProcess();

var sources = AgentConfiguration.Sources;
if (args is ["status", .. var statusArgs])
{
    // reads the state directory only: no host, no broker, no lock a running agent would notice
    return await AgentStatusCommand.RunAsync(statusArgs, Console.Out, Console.Error, TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
}

if (args is ["reset-ledger", .. var resetArgs])
{
    return await AgentResetLedgerCommand.RunAsync(resetArgs, Console.Out, Console.Error, TimeProvider.System).ConfigureAwait(false);
}

var startup = ServiceStartup.Prepare(sources, Usage, args, ["--self-test", "--simulated-sensors"], AgentOptions.Bind, new AgentOptionsValidator(), Console.Out, Console.Error);
if (startup.ExitCode is null && startup.Arguments!.Has("--self-test"))
{
    if (startup.Options is not AgentOptions checkedOptions)
    {
        // a value that does not convert (e.g. a malformed time span): nothing else can be checked with it
        Console.WriteLine("self-test FAILED: the configuration does not bind: " + string.Join("; ", startup.Problems));
        return 1;
    }

    return await AgentSelfTest.RunAsync(checkedOptions, startup.Problems, startup.Arguments.Has("--simulated-sensors"), Console.Out, CancellationToken.None).ConfigureAwait(false);
}

if (startup.CheckOrFinish(o => $"device {o.DeviceId} in fleet {o.Fleet}", Console.Out, Console.Error) is int exitCode)
{
    return exitCode;
}

var builder = startup.Builder!;
var agent = startup.Options!;
builder.Services.AddSystemd();
builder.Services.Configure<HostOptions>(o =>
{
    o.ShutdownTimeout = TimeSpan.FromSeconds(5);
    o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost;
});
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
builder.Services.AddOptions<AgentOptions>()
    .Bind(builder.Configuration.GetSection(sources.SectionName))
    .PostConfigure(AgentOptions.ApplyDefaults)
    .ValidateOnStart();
builder.Services.AddSystemdWatchdog();
builder.Services.AddFedEdgeAgent();

// personal training has no broker connection: it keeps going while the broker is unreachable
builder.Services.AddHostedService<PersonalizationService>();
if (!agent.SimulatedSensors)
{
    builder.Services.AddSampling();
}

try
{
    // a loop that faults stops the host with exit 1, so systemd restarts the agent (ServiceHost)
    return await ServiceHost.RunAsync(builder.Build(), sources.ServiceName, Console.Error).ConfigureAwait(false);
}
catch (OptionsValidationException ex)
{
    // the check above ran first, so this is a late failure (e.g. a PostConfigure default); still one line per problem
    return startup.Refused(ex, Console.Error);
}
