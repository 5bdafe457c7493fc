using System.Text.Json;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// firmware-configs/&lt;board&gt;: user-data embeds exactly the board's agent.json and unit drop-in (so the files a
/// reader inspects are the ones cloud-init writes), agent.json is valid JSON with the board's settings, and the
/// agent unit with the drop-in passes systemd-analyze verify. YAML syntax itself is checked outside the test project
/// (no YAML parser among the central packages; see firmware-configs/README.md).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FirmwareConfigTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fededge-firmware-" + Guid.NewGuid().ToString("N"));

    public FirmwareConfigTests() => Directory.CreateDirectory(_directory);

    public static TheoryData<string> Boards => new("pi-zero-2w", "pi4", "pi5");

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task User_data_is_cloud_config_embedding_the_board_agent_json_and_drop_in(string board)
    {
        var ct = TestContext.Current.CancellationToken;
        var userData = await File.ReadAllTextAsync(RepositoryRoot.File("firmware-configs", board, "user-data"), ct);
        var agentJson = await File.ReadAllTextAsync(RepositoryRoot.File("firmware-configs", board, "agent.json"), ct);
        var dropIn = await File.ReadAllTextAsync(RepositoryRoot.File("firmware-configs", board, "fededge-agent.board.conf"), ct);

        Assert.StartsWith("#cloud-config\n", userData, StringComparison.Ordinal);
        Assert.Contains("    content: |\n" + Indent(agentJson, 6), userData, StringComparison.Ordinal);
        Assert.Contains("    content: |\n" + Indent(dropIn, 6), userData, StringComparison.Ordinal);
        Assert.DoesNotContain('\t', userData);
    }

    [Theory]
    [InlineData("pi-zero-2w", "Ina219", 1)]
    [InlineData("pi4", "Mains", 2)]
    [InlineData("pi5", "Mains", 3)]
    public async Task Agent_json_sets_the_board_power_source_and_thread_cap(string board, string powerSource, int threads)
    {
        var text = await File.ReadAllTextAsync(RepositoryRoot.File("firmware-configs", board, "agent.json"), TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(text);
        var agent = json.RootElement.GetProperty("Agent");

        Assert.Equal(powerSource, agent.GetProperty("Power").GetProperty("Source").GetString());
        Assert.Equal(threads, agent.GetProperty("Training").GetProperty("Threads").GetInt32());
        Assert.Equal("@DEVICE_ID@", agent.GetProperty("DeviceId").GetString());
        Assert.Equal("/etc/fededge/device.key", agent.GetProperty("Mqtt").GetProperty("ClientKeyPath").GetString());
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task Agent_unit_with_the_board_drop_in_passes_systemd_analyze_verify(string board)
    {
        var ct = TestContext.Current.CancellationToken;
        var fake = Path.Combine(_directory, "fake-agent");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\nexit 0\n", ct);
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var unit = (await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "systemd", "fededge-agent.service"), ct))
            .Replace("ExecStart=/usr/lib/fededge/fededge-agent\n", "ExecStart=" + fake + "\n", StringComparison.Ordinal);
        var unitPath = Path.Combine(_directory, "fededge-agent.service");
        await File.WriteAllTextAsync(unitPath, unit, ct);
        Directory.CreateDirectory(unitPath + ".d");
        File.Copy(RepositoryRoot.File("firmware-configs", board, "fededge-agent.board.conf"), Path.Combine(unitPath + ".d", "board.conf"));

        var run = await ToolRun.RunAsync("/usr/bin/systemd-analyze", ["verify", "--man=no", unitPath]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("fededge-agent", run.StandardError, StringComparison.Ordinal);
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

    private static string Indent(string text, int spaces)
    {
        var pad = new string(' ', spaces);
        return string.Join('\n', text.Split('\n').Select(line => line.Length > 0 ? pad + line : line));
    }
}
