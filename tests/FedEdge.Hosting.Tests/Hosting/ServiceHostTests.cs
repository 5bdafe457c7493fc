using FedEdge.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedEdge.Hosting.Tests.Hosting;

public sealed class ServiceHostTests
{
    [Fact]
    public async Task A_loop_that_throws_stops_the_host_with_exit_code_1_and_names_the_loop()
    {
        using var error = new StringWriter();

        int code = await ServiceHost.RunAsync(Build(s => s.AddHostedService<FaultingLoop>()), "test-service", error);

        Assert.Equal(ServiceExitCodes.Fault, code);
        Assert.Contains("test-service: stopped by a fault in FaultingLoop: InvalidOperationException: injected fault", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stop_on_request_exits_0()
    {
        using var error = new StringWriter();

        int code = await ServiceHost.RunAsync(Build(s => s.AddHostedService<StoppingLoop>()), "test-service", error);

        Assert.Equal(ServiceExitCodes.Ok, code);
        Assert.Equal(string.Empty, error.ToString());
    }

    [Fact]
    public async Task A_start_up_failure_exits_1_with_one_line()
    {
        using var error = new StringWriter();

        int code = await ServiceHost.RunAsync(Build(s => s.AddHostedService<FailingStart>()), "test-service", error);

        Assert.Equal(ServiceExitCodes.Fault, code);
        Assert.Equal("test-service: failed to start: IOException: injected start failure", error.ToString().Trim());
    }

    [Fact]
    public async Task Invalid_options_at_start_are_rethrown_for_the_bad_configuration_exit_code()
    {
        using var error = new StringWriter();
        var host = Build(s => s.AddOptions<Settings>().Validate(_ => false, "Value is wrong").ValidateOnStart());

        await Assert.ThrowsAsync<OptionsValidationException>(() => ServiceHost.RunAsync(host, "test-service", error));
    }

    [Fact]
    public async Task The_host_process_exits_non_zero_when_a_loop_faults()
    {
        using var child = CrashHostProcess.Start("host-fault");
        string stderr = await child.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await child.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ServiceExitCodes.Fault, child.ExitCode);
        Assert.Contains("stopped by a fault in FaultingLoop", stderr, StringComparison.Ordinal);
    }

    private static IHost Build(Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddLogging(l => l.ClearProviders());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        configure(builder.Services);
        return builder.Build();
    }

    private sealed class Settings
    {
        public int Value { get; set; }
    }

    private sealed class FaultingLoop : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(50, stoppingToken);
            throw new InvalidOperationException("injected fault");
        }
    }

    private sealed class StoppingLoop(IHostApplicationLifetime lifetime) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(50, stoppingToken);
            lifetime.StopApplication();
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }

    private sealed class FailingStart : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new IOException("injected start failure");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
