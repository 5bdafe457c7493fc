using FedEdge.Aggregator.Hosting;
using FedEdge.Hosting;
using FedEdge.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

const string Usage = """
    usage: fededge-aggregator [--config FILE] [--Aggregator:Key=value ...]      run the aggregator (systemd: fededge-aggregator.service)
           fededge-aggregator --check-config [--config FILE] [settings]        bind and validate the settings as the service would, then exit
    Settings, lowest precedence first: appsettings.json beside the executable, /etc/fededge/aggregator.json, --config FILE,
    FEDEDGE_Aggregator__Key environment variables, --Aggregator:Key=value arguments. Unknown keys are errors.
    Example: deploy/aggregator/aggregator.json.
    Exit codes: 0 stopped on request, or --check-config/--help succeeded;
                1 stopped by a fault (start-up failed, or a loop met an error it cannot survive): systemd restarts it;
                2 bad arguments or configuration: systemd does not restart it (RestartPreventExitStatus=2).
    """;

var sources = new ServiceConfigurationSources
{
    ServiceName = "fededge-aggregator",
    SectionName = "Aggregator",
    SystemFile = "/etc/fededge/aggregator.json",
};
var startup = ServiceStartup.Prepare(sources, Usage, args, [], BindAggregator, new AggregatorServiceOptionsValidator(), Console.Out, Console.Error);
if (startup.CheckOrFinish(o => $"fleet {o.Engine.Fleet}, {o.Engine.Strategy}", Console.Out, Console.Error) is int exitCode)
{
    return exitCode;
}

var builder = startup.Builder!;
builder.Services.AddSystemd();
builder.Services.Configure<HostOptions>(o => o.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.StopHost);
builder.Services.AddFedEdgeAggregator(builder.Configuration.GetSection(sources.SectionName));

try
{
    // a loop that faults stops the host with exit 1, so systemd restarts the aggregator (ServiceHost)
    return await ServiceHost.RunAsync(builder.Build(), sources.ServiceName, Console.Error).ConfigureAwait(false);
}
catch (OptionsValidationException ex)
{
    return startup.Refused(ex, Console.Error);
}

static AggregatorServiceOptions BindAggregator(IConfigurationSection section)
{
    var options = new AggregatorServiceOptions();
    section.Bind(options);
    return options;
}
