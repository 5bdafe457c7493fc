using System.Globalization;
using System.Text.RegularExpressions;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// deploy/systemd units are valid for systemd 252 and keep their hardening. `systemd-analyze verify` fails on an
/// ExecStart= that does not exist, and /usr/lib/fededge is not installed here, so each unit is copied into a temporary
/// folder with only its ExecStart= path rewritten to a dummy executable; every other line is verified unchanged.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class SystemdUnitTests : IDisposable
{
    private const string SystemdAnalyze = "/usr/bin/systemd-analyze";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fededge-units-" + Guid.NewGuid().ToString("N"));

    public SystemdUnitTests()
    {
        Directory.CreateDirectory(_directory);
        var fake = Path.Combine(_directory, "fake-service");
        File.WriteAllText(fake, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public static TheoryData<string> Units => new("fededge-agent", "fededge-aggregator");

    [Theory]
    [MemberData(nameof(Units))]
    public async Task Unit_passes_systemd_analyze_verify(string unit)
    {
        var path = await InstallAsync(unit);

        var run = await ToolRun.RunAsync(SystemdAnalyze, ["verify", "--man=no", path]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(unit, run.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Units))]
    public async Task Unit_arms_the_watchdog_its_service_feeds(string unit)
    {
        var text = await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "systemd", unit + ".service"), TestContext.Current.CancellationToken);
        Assert.Contains("\nWatchdogSec=60s\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Units))]
    public async Task Unit_restarts_after_a_fault_and_never_gives_up(string unit)
    {
        var text = await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "systemd", unit + ".service"), TestContext.Current.CancellationToken);
        var unitSection = Section(text, "Unit");
        var service = Section(text, "Service");

        // no start rate limit: a limit, once hit, leaves the unit failed until someone runs systemctl reset-failed
        Assert.Equal(["0"], Values(unitSection, "StartLimitIntervalSec"));
        Assert.Empty(Values(unitSection, "StartLimitBurst"));
        Assert.Equal(["on-failure"], Values(service, "Restart"));
        Assert.Equal(["2"], Values(service, "RestartPreventExitStatus"));
        string delay = Assert.Single(Values(service, "RestartSec"));
        Assert.InRange(Seconds(delay), 5, 60);

        // systemd 252 (Debian 12, Raspberry Pi OS bookworm) does not know these (254+): it would warn and ignore them
        Assert.Empty(Values(service, "RestartSteps"));
        Assert.Empty(Values(service, "RestartMaxDelaySec"));

        // and systemd reads the policy as written
        var path = await InstallAsync(unit);
        var run = await ToolRun.RunAsync(SystemdAnalyze, ["verify", "--man=no", path], environment: new Dictionary<string, string> { ["SYSTEMD_LOG_LEVEL"] = "debug" });
        string dump = run.StandardOutput + run.StandardError;
        Assert.Contains("\tRestart: on-failure\n", dump, StringComparison.Ordinal);
        Assert.Contains($"\tRestartSec: {delay}\n", dump, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Units))]
    public async Task Unit_exposure_level_is_at_most_two(string unit)
    {
        var path = await InstallAsync(unit);

        var run = await ToolRun.RunAsync(SystemdAnalyze, ["security", "--offline=yes", "--no-pager", path]);

        // "→ Overall exposure level for fededge-agent.service: 1.8 OK": 0 is fully locked down, 10 is an unhardened
        // root service; systemd calls < 2 "OK" (measured: agent 1.6, aggregator 1.2 with systemd 252).
        var match = ExposureLine().Match(run.StandardOutput + run.StandardError);
        Assert.True(match.Success, run.ToString());
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, $"exposure {exposure}{Environment.NewLine}{run}");
    }

    [Fact]
    public async Task Agent_unit_reaches_only_the_i2c_and_gpio_devices()
    {
        var text = await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "systemd", "fededge-agent.service"), TestContext.Current.CancellationToken);

        var allowed = DeviceAllowLine().Matches(text).Select(m => m.Groups[1].Value).ToArray();

        Assert.Contains("DevicePolicy=closed", text, StringComparison.Ordinal);
        Assert.Equal(["char-i2c rw", "char-gpiochip rw"], allowed);
    }

    [Fact]
    public async Task Mosquitto_drop_in_starts_the_fededge_configuration_alone_and_refuses_a_reload()
    {
        // Debian's own unit (the mosquitto package) with the drop-in beside it, as /etc/systemd/system would hold it
        string unit = Path.Combine(_directory, "mosquitto.service");
        File.Copy("/lib/systemd/system/mosquitto.service", unit);
        Directory.CreateDirectory(unit + ".d");
        File.Copy(RepositoryRoot.File("deploy", "systemd", "mosquitto.service.d", "fededge.conf"), Path.Combine(unit + ".d", "fededge.conf"));

        var run = await ToolRun.RunAsync(SystemdAnalyze, ["verify", "--man=no", unit], environment: new Dictionary<string, string> { ["SYSTEMD_LOG_LEVEL"] = "debug" });

        Assert.True(run.ExitCode == 0, run.ToString());
        string dump = run.StandardOutput + run.StandardError;
        Assert.Equal(["/usr/sbin/mosquitto -c /etc/mosquitto/fededge.conf"], Commands(dump, "ExecStart"));
        string reload = Assert.Single(Commands(dump, "ExecReload"));
        Assert.EndsWith("exit 1\"", reload, StringComparison.Ordinal);
        Assert.Contains("systemctl restart mosquitto", reload, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }

    private async Task<string> InstallAsync(string unit)
    {
        var source = RepositoryRoot.File("deploy", "systemd", unit + ".service");
        var text = await File.ReadAllTextAsync(source, TestContext.Current.CancellationToken);
        var execStart = "ExecStart=/usr/lib/fededge/" + unit + "\n";
        Assert.Contains(execStart, text, StringComparison.Ordinal);
        text = text.Replace(execStart, "ExecStart=" + Path.Combine(_directory, "fake-service") + "\n", StringComparison.Ordinal);
        var target = Path.Combine(_directory, unit + ".service");
        await File.WriteAllTextAsync(target, text, TestContext.Current.CancellationToken);
        return target;
    }

    /// <summary>The command lines systemd's unit dump lists under "-> <paramref name="kind"/>:".</summary>
    private static string[] Commands(string dump, string kind)
    {
        var lines = dump.Split('\n');
        int start = Array.FindIndex(lines, line => line.Trim() == "-> " + kind + ":");
        return start < 0
            ? []
            : [.. lines.Skip(start + 1).TakeWhile(line => line.Contains("Command Line: ", StringComparison.Ordinal)).Select(line => line[(line.IndexOf("Command Line: ", StringComparison.Ordinal) + 14)..].Trim())];
    }

    /// <summary>The lines of section [<paramref name="name"/>].</summary>
    private static string[] Section(string text, string name) =>
        [.. text.Split('\n').SkipWhile(line => line.Trim() != "[" + name + "]").Skip(1).TakeWhile(line => !line.StartsWith('['))];

    /// <summary>Every value assigned to <paramref name="key"/> in <paramref name="section"/>.</summary>
    private static string[] Values(string[] section, string key) =>
        [.. section.Where(line => line.StartsWith(key + "=", StringComparison.Ordinal)).Select(line => line[(key.Length + 1)..].Trim())];

    /// <summary>A systemd time span of the form "30s" or "2min".</summary>
    private static double Seconds(string span) =>
        span.EndsWith("min", StringComparison.Ordinal) ? 60 * double.Parse(span[..^3], CultureInfo.InvariantCulture)
        : span.EndsWith('s') ? double.Parse(span[..^1], CultureInfo.InvariantCulture)
        : throw new FormatException("unexpected time span " + span);

    [GeneratedRegex(@"Overall exposure level for [^:]+: ([0-9.]+)")]
    private static partial Regex ExposureLine();

    [GeneratedRegex(@"^DeviceAllow=(.+)$", RegexOptions.Multiline)]
    private static partial Regex DeviceAllowLine();
}
