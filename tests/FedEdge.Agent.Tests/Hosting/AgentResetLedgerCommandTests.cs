using System.Text.Json;
using FedEdge.Agent.Hosting;
using FedEdge.Core.Privacy;
using FedEdge.Device.Privacy;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary><c>fededge-agent reset-ledger</c>: only with --i-understand, never while the agent runs, never giving budget back; status reports it.</summary>
public sealed class AgentResetLedgerCommandTests : IDisposable
{
    private static readonly SubsampledGaussian Release = new(1, 3, 1);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 19, 0, 0, TimeSpan.Zero));

    private string State => _dir.File("state");

    private string LedgerPath => Path.Combine(State, "privacy.ledger");

    private string[] Args(params string[] more) =>
        [.. more, $"--Agent:StateDirectory={State}", "--Agent:DeviceId=kitchen-01", "--Agent:Fleet=home", "--Agent:Privacy:Epsilon=8"];

    [Fact]
    public async Task Without_the_confirmation_it_exits_2_and_changes_nothing()
    {
        SpendTwice();
        File.Delete(PrivacyLedgerWitness.PathFor(LedgerPath));
        byte[] before = File.ReadAllBytes(LedgerPath);

        var (exit, _, error) = await ResetAsync();

        Assert.Equal(2, exit);
        Assert.Contains("refused without --i-understand", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(LedgerPath));
    }

    [Fact]
    public async Task Status_reports_a_refused_ledger_and_after_the_reset_the_spent_total_is_carried_forward()
    {
        double spent = SpendTwice();
        File.Delete(PrivacyLedgerWitness.PathFor(LedgerPath));
        var refused = await StatusAsync();
        Assert.StartsWith("Privacy ledger refused:", refused.GetProperty("ledger").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, refused.GetProperty("epsilon_left").GetDouble());

        var (exit, output, error) = await ResetAsync(AgentResetLedgerCommand.Confirmation);

        Assert.True(exit == 0, error);
        Assert.Contains("is carried forward", output, StringComparison.Ordinal);
        var after = await StatusAsync();
        Assert.Equal("ok", after.GetProperty("ledger").GetString());
        Assert.Equal("2026-12-04T19:00:00.000+00:00", after.GetProperty("ledger_reset_at").GetString());
        Assert.Equal(Math.Round(spent, 4), after.GetProperty("epsilon_spent").GetDouble());
    }

    [Fact]
    public async Task It_exits_1_while_the_agent_holds_the_ledger()
    {
        SpendTwice();
        using var held = Open();

        var (exit, _, error) = await ResetAsync(AgentResetLedgerCommand.Confirmation);

        Assert.Equal(1, exit);
        Assert.Contains("stop it first", error, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private PrivacyLedger Open() => PrivacyLedger.Open(LedgerPath, new PrivacyBudget(8, 1e-5), new RdpAccountant(), _time);

    private double SpendTwice()
    {
        Directory.CreateDirectory(State);
        using var ledger = Open();
        ledger.Reserve(MechanismKind.UserLevelGaussian, Release, 1);
        ledger.Reserve(MechanismKind.UserLevelGaussian, Release, 2);
        return ledger.Spent().Epsilon;
    }

    private async Task<(int Exit, string Output, string Error)> ResetAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await AgentResetLedgerCommand.RunAsync(Args(args), output, error, _time);
        return (exit, output.ToString(), error.ToString());
    }

    private async Task<JsonElement> StatusAsync()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await AgentStatusCommand.RunAsync(Args(), output, error, _time, TestContext.Current.CancellationToken);
        Assert.True(exit == 0, error.ToString());
        using var json = JsonDocument.Parse(output.ToString());
        return json.RootElement.Clone();
    }
}
