using System.Text.Json;
using System.Text.RegularExpressions;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// The shipped files no other test runs: deploy/compose.yaml's aggregator settings (environment variables) bind with
/// <c>fededge-aggregator --check-config</c>, and each board's config.txt prepares the bus and the GPIO pins its
/// agent.json samples. (Docker itself is not available here: the images are not built.)
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ComposeAndBoardFilesTests(ScriptPkiFixture fixture) : IClassFixture<ScriptPkiFixture>
{
    [Fact]
    public async Task The_compose_files_aggregator_environment_passes_check_config()
    {
        var environment = ComposeEnvironment("aggregator");
        Assert.NotEmpty(environment);
        Assert.All(environment.Keys, key => Assert.StartsWith("FEDEDGE_Aggregator__", key, StringComparison.Ordinal));

        // the container's /etc/fededge and /var/lib mounts, under a temporary root with the files deploy/pki made
        var pki = fixture.Pki;
        string root = Path.Combine(pki.Directory, "compose-host");
        string etc = Path.Combine(root, "etc", "fededge");
        Directory.CreateDirectory(etc);
        File.Copy(Path.Combine(pki.CaDirectory, "ca.crt"), Path.Combine(etc, "ca.crt"));
        File.Copy(Path.Combine(pki.AggregatorDirectory, "aggregator.crt"), Path.Combine(etc, "aggregator.crt"));
        File.Copy(Path.Combine(pki.AggregatorDirectory, "aggregator.key"), Path.Combine(etc, "aggregator.key"));
        File.Copy(Path.Combine(pki.SigningDirectory, "model-signing.key"), Path.Combine(etc, "model-signing.key"));
        var rendered = environment.ToDictionary(
            e => e.Key,
            e => e.Value.StartsWith("/etc/fededge/", StringComparison.Ordinal) || e.Value.StartsWith("/var/lib/", StringComparison.Ordinal) ? root + e.Value : e.Value);
        rendered["DOTNET_ENVIRONMENT"] = "Production";

        var run = await ToolRun.RunAsync(ServiceBinary.DotnetHost, [ServiceBinary.Aggregator, "--check-config"], environment: rendered);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("fededge-aggregator: configuration OK (fleet home", run.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pi-zero-2w")]
    [InlineData("pi4")]
    [InlineData("pi5")]
    public void Config_txt_turns_on_the_i2c_bus_and_pulls_every_gpio_pin_the_board_samples(string board)
    {
        string configTxt = File.ReadAllText(RepositoryRoot.File("firmware-configs", board, "config.txt"));
        using var agent = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.File("firmware-configs", board, "agent.json")));
        var sampling = agent.RootElement.GetProperty("Agent").GetProperty("Sampling");
        var lines = configTxt.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.Contains("dtparam=i2c_arm=on", lines);
        Assert.Equal(1, sampling.GetProperty("I2cBus").GetInt32()); // i2c_arm is bus 1 on every Pi
        foreach (var sensor in sampling.GetProperty("Sensors").EnumerateArray().Select(s => s.GetString()!))
        {
            // a PIR output idles low (pull-down), a reed switch closes to ground (pull-up)
            string? expected = sensor.Split('@') switch
            {
                ["pir", string pin] => $"gpio={pin}=ip,pd",
                ["door", string pin] => $"gpio={pin}=ip,pu",
                _ => null,
            };
            if (expected is not null)
            {
                Assert.Contains(expected, lines);
            }
        }
    }

    /// <summary>The <c>environment:</c> map of one service in deploy/compose.yaml (a two-level YAML map of plain scalars).</summary>
    private static Dictionary<string, string> ComposeEnvironment(string service)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        bool inService = false;
        bool inEnvironment = false;
        foreach (string line in File.ReadAllLines(RepositoryRoot.File("deploy", "compose.yaml")))
        {
            if (ServiceHeader().Match(line) is { Success: true } header)
            {
                inService = header.Groups[1].Value == service;
                inEnvironment = false;
            }
            else if (inService && line == "    environment:")
            {
                inEnvironment = true;
            }
            else if (inEnvironment && EnvironmentEntry().Match(line) is { Success: true } entry)
            {
                result[entry.Groups[1].Value] = entry.Groups[2].Value.Trim('"');
            }
            else if (inEnvironment && !line.TrimStart().StartsWith('#'))
            {
                inEnvironment = false;
            }
        }

        return result;
    }

    [GeneratedRegex("^  ([a-z-]+):$")]
    private static partial Regex ServiceHeader();

    [GeneratedRegex("^      ([A-Za-z0-9_]+): (.+)$")]
    private static partial Regex EnvironmentEntry();
}
