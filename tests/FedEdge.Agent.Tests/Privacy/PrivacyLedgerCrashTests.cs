using System.Globalization;
using FedEdge.Device.Privacy;
using FedEdge.Core.Privacy;

namespace FedEdge.Agent.Tests.Privacy;

/// <summary>
/// kill -9 of a process that is appending to the ledger as fast as it can: every spend it reported
/// as recorded (printed only after the fsync returned) must still be there after reopening.
/// </summary>
public sealed class PrivacyLedgerCrashTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    [InlineData(150)]
    public async Task Killing_the_writer_mid_append_never_loses_a_recorded_spend(int killAfter)
    {
        string path = _dir.File($"ledger-{killAfter}");
        using var child = CrashHostProcess.Start("ledger", path, "100000");
        long lastAcknowledged = -1;
        var token = TestContext.Current.CancellationToken;
        while (await child.StandardOutput.ReadLineAsync(token) is string line)
        {
            if (line.StartsWith("reserved ", StringComparison.Ordinal))
            {
                lastAcknowledged = long.Parse(line.AsSpan(9), CultureInfo.InvariantCulture);
                if (lastAcknowledged + 1 >= killAfter)
                {
                    child.Kill(entireProcessTree: true); // SIGKILL: no finalizers, no flush
                    break;
                }
            }
        }

        await child.WaitForExitAsync(token);
        Assert.True(lastAcknowledged + 1 >= killAfter, "the child never reported enough appends: " + await child.StandardError.ReadToEndAsync(token));

        using var ledger = PrivacyLedger.Open(path, new PrivacyBudget(1e6, 1e-5), new RdpAccountant(), TimeProvider.System);
        Assert.True(ledger.Entries.Count >= lastAcknowledged + 1, $"acknowledged {lastAcknowledged + 1} spends, recovered {ledger.Entries.Count}");
        Assert.Equal(Enumerable.Range(0, ledger.Entries.Count).Select(i => (long)i), ledger.Entries.Select(e => e.Sequence));
    }

    public void Dispose() => _dir.Dispose();
}
