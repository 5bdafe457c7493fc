namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// Every shipped settings file binds and validates with <c>--check-config</c>, run on the built services (their shipped
/// appsettings.json beside them): the board profiles as cloud-init writes them and enroll-device.sh fills them, the agent.json
/// enroll-device.sh writes, and deploy/aggregator/aggregator.json. One misspelt key in the same file exits 2 naming it.
/// Rendering moves /etc/fededge and /var/lib/fededge-* under a temporary root and changes nothing else.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ShippedConfigurationTests(ScriptPkiFixture fixture) : IClassFixture<ScriptPkiFixture>
{
    private ScriptPki Pki => fixture.Pki;

    public static TheoryData<string, string> Boards => new()
    {
        { "pi-zero-2w", "zero-01" },
        { "pi4", "livingroom-01" },
        { "pi5", "hall-01" },
    };

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task A_board_profile_written_by_cloud_init_and_enrolled_passes_check_config(string board, string deviceId)
    {
        string agentJson = await EnrolBoardAsync(board, deviceId);

        var run = await ServiceBinary.RunAsync(ServiceBinary.Agent, "--check-config", "--config", agentJson);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"fededge-agent: configuration OK (device {deviceId} in fleet home", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.StandardError);
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public async Task A_board_profile_with_one_misspelt_key_exits_2_naming_the_key(string board, string deviceId)
    {
        string agentJson = await EnrolBoardAsync(board, deviceId + "-typo");
        string misspelt = Path.Combine(Path.GetDirectoryName(agentJson)!, "misspelt.json");
        var ct = TestContext.Current.CancellationToken;
        await File.WriteAllTextAsync(misspelt, (await File.ReadAllTextAsync(agentJson, ct)).Replace("\"MaxTemperatureCelsius\"", "\"MaxTemperatureCelcius\"", StringComparison.Ordinal), ct);

        var run = await ServiceBinary.RunAsync(ServiceBinary.Agent, "--check-config", "--config", misspelt);

        Assert.True(run.ExitCode == 2, run.ToString());
        string line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fededge-agent: invalid configuration: Agent:Eligibility:MaxTemperatureCelcius: unknown key", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardError, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task The_agent_json_enroll_device_writes_passes_check_config()
    {
        string agentJson = Path.Combine(Pki.EnrolledDirectory, "agent.json");

        var run = await ServiceBinary.RunAsync(ServiceBinary.Agent, "--check-config", "--config", agentJson);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"device {ScriptPki.DeviceId} in fleet home", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_aggregator_configuration_passes_check_config()
    {
        string file = await RenderAggregatorAsync("aggregator-ok");

        var run = await ServiceBinary.RunAsync(ServiceBinary.Aggregator, "--check-config", "--config", file);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("fededge-aggregator: configuration OK (fleet home, FedBuff", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_aggregator_configuration_with_one_misspelt_key_exits_2_naming_it()
    {
        string file = await RenderAggregatorAsync("aggregator-typo");
        var ct = TestContext.Current.CancellationToken;
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file, ct)).Replace("\"BufferSize\"", "\"BuferSize\"", StringComparison.Ordinal), ct);

        var run = await ServiceBinary.RunAsync(ServiceBinary.Aggregator, "--check-config", "--config", file);

        Assert.True(run.ExitCode == 2, run.ToString());
        string line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fededge-aggregator: invalid configuration: Aggregator:Engine:BuferSize: unknown key", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_aggregator_configuration_switched_to_distributed_mode_as_its_readme_says_passes_check_config()
    {
        string file = await RenderAggregatorAsync("aggregator-distributed");

        // deploy/aggregator/README.md: Privacy:Mode = Distributed needs a group (BufferSize) of at least 10
        var run = await ServiceBinary.RunAsync(
            ServiceBinary.Aggregator, "--check-config", "--config", file, "--Aggregator:Engine:Privacy:Mode=Distributed", "--Aggregator:Engine:BufferSize=10");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("fededge-aggregator: configuration OK (fleet home, FedBuff", run.StandardOutput, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[], string> InconsistentAggregatorSettings => new()
    {
        { "buffer-2", ["--Aggregator:Engine:Privacy:Mode=Distributed"], "Aggregator:Engine:BufferSize: is the secure-aggregation group size" },
        { "fedavg", ["--Aggregator:Engine:Privacy:Mode=Distributed", "--Aggregator:Engine:BufferSize=10", "--Aggregator:Engine:Strategy=FedAvg"], "Aggregator:Engine:Strategy: FedAvg cannot run with Aggregator:Engine:Privacy:Mode = Distributed" },
        { "normbound", ["--Aggregator:Engine:Privacy:Mode=Distributed", "--Aggregator:Engine:BufferSize=10", "--Aggregator:Engine:NormBound=50"], "Aggregator:Engine:NormBound: does not apply with Aggregator:Engine:Privacy:Mode = Distributed" },
        { "checkin-rate", ["--Aggregator:Engine:Privacy:Mode=Distributed", "--Aggregator:Engine:BufferSize=10", "--Aggregator:Engine:Privacy:CheckInRate=1.5"], "Aggregator:Engine:Privacy:CheckInRate: " },
    };

    [Theory]
    [MemberData(nameof(InconsistentAggregatorSettings))]
    public async Task The_example_aggregator_configuration_in_distributed_mode_with_an_inconsistent_setting_exits_2_naming_it(string name, string[] settings, string expected)
    {
        string file = await RenderAggregatorAsync("aggregator-" + name);

        var run = await ServiceBinary.RunAsync(ServiceBinary.Aggregator, ["--check-config", "--config", file, .. settings]);

        Assert.True(run.ExitCode == 2, run.ToString());
        string line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fededge-aggregator: invalid configuration: " + expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_board_profile_switched_to_distributed_mode_passes_check_config_and_refuses_a_codec()
    {
        string agentJson = await EnrolBoardAsync("pi4", "distributed-01");

        var run = await ServiceBinary.RunAsync(ServiceBinary.Agent, "--check-config", "--config", agentJson, "--Agent:Privacy:Mode=Distributed", "--Agent:Privacy:CheckInRate=0.1");
        var codec = await ServiceBinary.RunAsync(ServiceBinary.Agent, "--check-config", "--config", agentJson, "--Agent:Privacy:Mode=Distributed", "--Agent:Codec=TopKSparse");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(codec.ExitCode == 2, codec.ToString());
        string line = Assert.Single(codec.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fededge-agent: invalid configuration: Agent:Codec: TopKSparse does not apply with Agent:Privacy:Mode = Distributed", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_exits_2_naming_the_full_key_and_what_it_may_be()
    {
        string agentJson = await EnrolBoardAsync("pi4", "wrongtype-01");

        var run = await ServiceBinary.RunAsync(ServiceBinary.Agent, "--check-config", "--config", agentJson, "--Agent:Power:Source=solar");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("invalid configuration: Agent:Power:Source: ", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("(expected one of Sysfs, Mains, Ina219, Gpio)", run.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_itself_refuses_a_bad_key_at_start_in_one_line_without_a_stack_trace()
    {
        string agentJson = await EnrolBoardAsync("pi4", "start-01");

        // not --check-config: the service path, which checks before the host starts
        var run = await ServiceBinary.RunAsync(ServiceBinary.Agent, "--config", agentJson, "--Agent:Mqtt:Hots=x");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(
            "fededge-agent: invalid configuration: Agent:Mqtt:Hots: unknown key",
            run.StandardError.Split('\n')[0][..("fededge-agent: invalid configuration: Agent:Mqtt:Hots: unknown key".Length)]);
        Assert.DoesNotContain("Hosting failed to start", run.StandardError + run.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>
    /// What a flashed board holds after first boot: cloud-init's /etc/fededge/agent.json (from user-data), then
    /// enroll-device.sh with AGENT_JSON=keep (as install-agent.sh runs it) filling in the device id and identity files.
    /// </summary>
    private async Task<string> EnrolBoardAsync(string board, string deviceId)
    {
        string root = Path.Combine(Pki.Directory, "boards", deviceId);
        string etc = Path.Combine(root, "etc", "fededge");
        Directory.CreateDirectory(etc);
        await File.WriteAllTextAsync(Path.Combine(etc, "agent.json"), ShippedFiles.Render(ShippedFiles.CloudInitAgentJson(board), root));

        string enroll = Path.Combine(root, "boot-enroll");
        await Pki.RunAsync("make-device-cert.sh", [deviceId, enroll]);
        File.Copy(Path.Combine(Pki.CaDirectory, "ca.crt"), Path.Combine(enroll, "ca.crt"));
        File.Copy(Path.Combine(Pki.SigningDirectory, "model-signing.pub.pem"), Path.Combine(enroll, "model-signing.pub.pem"));
        await Pki.RunAsync("enroll-device.sh", [deviceId, etc], ("SOURCE_DIR", enroll), ("AGENT_JSON", "keep"));
        return Path.Combine(etc, "agent.json");
    }

    /// <summary>deploy/aggregator/aggregator.json on a host that holds the files deploy/pki made, under /etc/fededge.</summary>
    private async Task<string> RenderAggregatorAsync(string name)
    {
        string root = Path.Combine(Pki.Directory, name);
        string etc = Path.Combine(root, "etc", "fededge");
        Directory.CreateDirectory(etc);
        File.Copy(Path.Combine(Pki.CaDirectory, "ca.crt"), Path.Combine(etc, "ca.crt"));
        File.Copy(Path.Combine(Pki.AggregatorDirectory, "aggregator.crt"), Path.Combine(etc, "aggregator.crt"));
        File.Copy(Path.Combine(Pki.AggregatorDirectory, "aggregator.key"), Path.Combine(etc, "aggregator.key"));
        File.Copy(Path.Combine(Pki.SigningDirectory, "model-signing.key"), Path.Combine(etc, "model-signing.key"));
        string file = Path.Combine(etc, "aggregator.json");
        await File.WriteAllTextAsync(file, ShippedFiles.Render(await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "aggregator", "aggregator.json")), root));
        return file;
    }
}
