using FedEdge.Aggregator.Hosting;
using FedEdge.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(args);

// precedence: appsettings.json < /etc/fededge/aggregator.json < FEDEDGE_* environment < command line
builder.Configuration.AddJsonFile("/etc/fededge/aggregator.json", optional: true, reloadOnChange: false);
builder.Configuration.AddEnvironmentVariables("FEDEDGE_");
builder.Configuration.AddCommandLine(args);

builder.Services.AddSystemd();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<IValidateOptions<AggregatorServiceOptions>, AggregatorServiceOptionsValidator>();
builder.Services.AddOptions<AggregatorServiceOptions>()
    .Bind(builder.Configuration.GetSection("Aggregator"))
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
    await Console.Error.WriteLineAsync("fededge-aggregator: invalid configuration: " + string.Join("; ", ex.Failures)).ConfigureAwait(false);
    return 2;
}
