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
    Exit codes: 0 ok; 1 the service stopped on an error; 2 bad arguments or configuration.
    """;

var sources = new ServiceConfigurationSources
{
    ServiceName = "fededge-aggregator",
    SectionName = "Aggregator",
    SystemFile = "/etc/fededge/aggregator.json",
};
if (!ServiceArguments.TryParse(args, ["--help", "-h"], [], out var arguments, out string? usage))
{
    await Console.Error.WriteLineAsync($"fededge-aggregator: {usage}").ConfigureAwait(false);
    await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
    return 2;
}

if (arguments.Has("--help") || arguments.Has("-h"))
{
    Console.WriteLine(Usage);
    return 0;
}

HostApplicationBuilder builder;
try
{
    builder = ServiceConfiguration.CreateBuilder(sources, arguments);
}
catch (ConfigurationFileException ex)
{
    await Console.Error.WriteLineAsync($"fededge-aggregator: invalid configuration: {ex.Message}").ConfigureAwait(false);
    return 2;
}

var problems = ConfigurationCheck.Run(builder.Configuration, sources, arguments, BindAggregator, new AggregatorServiceOptionsValidator(), out var aggregator);
if (problems.Count > 0)
{
    foreach (string problem in problems)
    {
        await Console.Error.WriteLineAsync($"fededge-aggregator: invalid configuration: {problem}").ConfigureAwait(false);
    }

    return 2;
}

if (arguments.CheckConfig)
{
    Console.WriteLine($"fededge-aggregator: configuration OK (fleet {aggregator!.Engine.Fleet}, {aggregator.Engine.Strategy}; files: {string.Join(", ", ServiceConfiguration.Files(sources, arguments))})");
    return 0;
}

builder.Services.AddSystemd();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<IValidateOptions<AggregatorServiceOptions>, AggregatorServiceOptionsValidator>();
builder.Services.AddOptions<AggregatorServiceOptions>()
    .Bind(builder.Configuration.GetSection(sources.SectionName))
    .ValidateOnStart();
builder.Services.AddSystemdWatchdog();
builder.Services.AddHostedService<AggregatorService>();

try
{
    await builder.Build().RunAsync().ConfigureAwait(false);
    return 0;
}
catch (OptionsValidationException ex)
{
    foreach (string failure in ex.Failures)
    {
        await Console.Error.WriteLineAsync("fededge-aggregator: invalid configuration: " + ConfigurationCheck.FullPath<AggregatorServiceOptions>(sources.SectionName, failure)).ConfigureAwait(false);
    }

    return 2;
}

static AggregatorServiceOptions BindAggregator(IConfigurationSection section)
{
    var options = new AggregatorServiceOptions();
    section.Bind(options);
    return options;
}
