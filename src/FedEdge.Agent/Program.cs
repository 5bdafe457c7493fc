using FedEdge.Agent.Hosting;
using FedEdge.Hosting;
using FedEdge.Agent.Sampling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

if (args is ["status", .. var statusArgs])
{
    // reads the state directory only: no host, no broker, no lock a running agent would notice
    return await AgentStatusCommand.RunAsync(statusArgs, Console.Out, Console.Error, TimeProvider.System, CancellationToken.None).ConfigureAwait(false);
}

if (args.Contains("--self-test"))
{
    // the same sources and precedence as the service below (content root = working directory), so the
    // self-test checks the sensors, model key and broker the service would use
    string[] settings = [.. args.Where(a => a is not "--self-test" and not "--simulated-sensors")];
    var configuration = new ConfigurationBuilder()
        .SetBasePath(Directory.GetCurrentDirectory())
        .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
        .AddJsonFile("/etc/fededge/agent.json", optional: true, reloadOnChange: false)
        .AddEnvironmentVariables("FEDEDGE_")
        .AddCommandLine(settings)
        .Build();
    var agent = new AgentOptions();
    try
    {
        configuration.GetSection("Agent").Bind(agent);
    }
    catch (InvalidOperationException ex)
    {
        // a value that does not convert (e.g. a malformed time span): nothing else can be checked with it
        Console.WriteLine("self-test FAILED: the configuration does not bind: " + ex.Message);
        return 1;
    }

    return await AgentSelfTest.RunAsync(agent, args.Contains("--simulated-sensors"), Console.Out, CancellationToken.None).ConfigureAwait(false);
}

var builder = Host.CreateApplicationBuilder(args);

// precedence: appsettings.json < /etc/fededge/agent.json < FEDEDGE_* environment < command line
builder.Configuration.AddJsonFile("/etc/fededge/agent.json", optional: true, reloadOnChange: false);
builder.Configuration.AddEnvironmentVariables("FEDEDGE_");
builder.Configuration.AddCommandLine(args);

builder.Services.AddSystemd();
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
builder.Services.AddOptions<AgentOptions>()
    .Bind(builder.Configuration.GetSection("Agent"))
    .PostConfigure(AgentOptions.ApplyDefaults)
    .ValidateOnStart();
builder.Services.AddSystemdWatchdog();
builder.Services.AddSingleton<FedEdge.Agent.Personalization.ServedModelState>();
builder.Services.AddHostedService<AgentService>();

// personal training has no broker connection: it keeps going while the broker is unreachable
builder.Services.AddHostedService<PersonalizationService>();
if (!builder.Configuration.GetValue<bool>("Agent:SimulatedSensors"))
{
    builder.Services.AddSampling();
}

try
{
    await builder.Build().RunAsync().ConfigureAwait(false);
    return 0;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("fededge-agent: invalid configuration: " + string.Join("; ", ex.Failures)).ConfigureAwait(false);
    return 2;
}
