using FedEdge.Device.Configuration;
using System.Text.Json;
using FedEdge.Device.Diagnostics;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Models;
using FedEdge.Device.Privacy;
using FedEdge.Core.Privacy;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Wire;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary><c>fededge-agent status</c> over a state directory, with and without a running agent's files held open.</summary>
public sealed class AgentStatusCommandTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(T0);

    private string State => _dir.File("state");

    private string[] Args(params string[] more) =>
        [$"--Agent:StateDirectory={State}", "--Agent:DeviceId=kitchen-01", "--Agent:Fleet=home", "--Agent:Privacy:Epsilon=8", .. more];

    [Fact]
    public async Task Status_prints_one_JSON_object_while_the_agent_holds_its_ledger_and_outbox_open()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(State);
        new AcceptedModelStore(Path.Combine(State, "model")).Install(new GlobalModel { Version = 3, Fleet = "home" });
        new AcceptedModelStore(Path.Combine(State, "model")).RecordContribution(3);
        new DiagnosticsFile(State).Write(new DeviceDiagnostics
        {
            Device = "kitchen-01",
            Fleet = "home",
            State = "charging_wait",
            Reason = "on battery",
            Blockers = ["on_battery"],
            ServedModel = "personal",
            ModelVersion = 3,
            Updated = T0,
        });
        using var ledger = PrivacyLedger.Open(Path.Combine(State, "privacy.ledger"), new PrivacyBudget(8, 1e-5), new RdpAccountant(), _time);
        ledger.Reserve(MechanismKind.UserLevelGaussian, new SubsampledGaussian(1, 3, 1), 3);
        using var outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = Path.Combine(State, "outbox.db") }, _time, NullLogger<SqliteOutbox>.Instance);
        await outbox.EnqueueAsync(new byte[16], "fededge/v1/home/updates/kitchen-01", new byte[] { 1 }, ct);
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await AgentStatusCommand.RunAsync(Args(), output, error, _time, ct);

        Assert.True(exit == 0, error.ToString());
        Assert.Empty(error.ToString());
        using var json = JsonDocument.Parse(output.ToString());
        var root = json.RootElement;
        Assert.Equal("charging_wait", root.GetProperty("state").GetString());
        Assert.False(root.GetProperty("eligible").GetBoolean());
        Assert.Equal("on battery", root.GetProperty("reason").GetString());
        Assert.Equal("personal", root.GetProperty("served_model").GetString());
        Assert.Equal(3UL, root.GetProperty("model_version").GetUInt64());
        Assert.Equal(1, root.GetProperty("outbox_depth").GetInt32());
        Assert.Equal(ledger.Spent().Epsilon, root.GetProperty("epsilon_spent").GetDouble(), 4);
        Assert.Equal(ledger.RemainingEpsilon, root.GetProperty("epsilon_left").GetDouble(), 4);
        Assert.Equal(T0, DateTimeOffset.Parse(root.GetProperty("last_contribution").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        // the running agent is not disturbed: both keep writing
        ledger.Reserve(MechanismKind.UserLevelGaussian, new SubsampledGaussian(1, 3, 1), 4);
        await outbox.EnqueueAsync(Enumerable.Repeat((byte)1, 16).ToArray(), "fededge/v1/home/updates/kitchen-01", new byte[] { 2 }, ct);
        Assert.Equal(2, (await outbox.GetUsageAsync(ct)).Entries);
    }

    [Fact]
    public async Task Status_of_a_device_whose_agent_never_recorded_diagnostics_says_so_and_creates_no_file()
    {
        Directory.CreateDirectory(State);
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await AgentStatusCommand.RunAsync(Args(), output, error, _time, TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal("unknown", json.RootElement.GetProperty("state").GetString());
        Assert.Equal("no diagnostics recorded yet", json.RootElement.GetProperty("reason").GetString());
        Assert.Equal(8, json.RootElement.GetProperty("epsilon_left").GetDouble());
        Assert.Equal(0, json.RootElement.GetProperty("outbox_depth").GetInt32());
        Assert.Empty(Directory.GetFileSystemEntries(State));
    }

    [Fact]
    public async Task Status_exits_2_with_one_line_when_the_state_directory_does_not_exist()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await AgentStatusCommand.RunAsync(Args(), output, error, _time, TestContext.Current.CancellationToken);

        Assert.Equal(2, exit);
        Assert.Empty(output.ToString());
        string line = Assert.Single(error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(State, line, StringComparison.Ordinal);
        Assert.Contains("does not exist", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(State));
    }

    [Theory]
    [InlineData("--Agent:StatusInterval=soon")]
    [InlineData("--Agent:Privacy:Epsilon=-1")]
    public async Task Status_exits_2_with_one_line_when_the_configuration_does_not_bind_or_validate(string bad)
    {
        Directory.CreateDirectory(State);
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await AgentStatusCommand.RunAsync(Args(bad), output, error, _time, TestContext.Current.CancellationToken);

        Assert.Equal(2, exit);
        Assert.Empty(output.ToString());
        string line = Assert.Single(error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("fededge-agent status: ", line, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
