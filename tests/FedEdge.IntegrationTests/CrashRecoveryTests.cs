using System.Diagnostics;
using FedEdge.IntegrationTests.Broker;
using FedEdge.Protocol.Outbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.IntegrationTests;

/// <summary>An outbox written by a process that is killed with SIGKILL is intact and deliverable afterwards.</summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private const int Entries = 25;
    private MosquittoBroker _broker = null!;

    public async ValueTask InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Outbox_of_a_process_killed_while_full_delivers_every_entry_after_reopening()
    {
        var ct = TestContext.Current.CancellationToken;
        var database = Path.Combine(_broker.Directory, "crash-outbox.db");
        var stored = await FillOutboxInChildProcessAndKillItAsync(database, ct);

        await using var aggregator = await TestClients.ConnectAsync(_broker, "aggregator", 1, TestClients.SharedUpdatesFilter);
        await using var collector = new UpdateCollector(aggregator);
        await using var device = await OutboxDevice.StartAsync(_broker, "device-crash", database, seed: 5, maxEntries: Entries);

        var arrived = await collector.WaitForAsync(seen => seen.Count >= Entries, TimeSpan.FromSeconds(30));
        Assert.True(arrived, $"{collector.Deliveries.Count} of {Entries} arrived");
        Assert.True(stored.SetEquals(collector.Deliveries.Keys));
        Assert.True(await WaitForEmptyAsync(device.Outbox, ct));
    }

    private static async Task<HashSet<string>> FillOutboxInChildProcessAndKillItAsync(string database, CancellationToken ct)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "FedEdge.CrashHost.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", [host, "outbox", database, Entries.ToString(System.Globalization.CultureInfo.InvariantCulture), TestClients.UpdatesTopic("device-crash")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var child = Process.Start(start)!;
        var stored = new HashSet<string>();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            string? fullMessage = null;
            while (fullMessage is null && await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("stored ", StringComparison.Ordinal))
                {
                    stored.Add(line["stored ".Length..]);
                }
                else if (line.StartsWith("full: ", StringComparison.Ordinal))
                {
                    fullMessage = line;
                }
            }

            if (fullMessage is null)
            {
                Assert.Fail("crash host ended early: " + await child.StandardError.ReadToEndAsync(ct));
            }

            Assert.Contains("is full", fullMessage, StringComparison.Ordinal);
            Assert.Equal(Entries, stored.Count);
        }
        finally
        {
            // SIGKILL while the database is open: no clean close, no final checkpoint of the WAL.
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(ct);
        }

        using (var reopened = SqliteOutbox.Open(new OutboxOptions { DatabasePath = database, MaxEntries = Entries }, TimeProvider.System, NullLogger<SqliteOutbox>.Instance))
        {
            Assert.Equal(Entries, (await reopened.GetUsageAsync(ct)).Entries);
        }

        return stored;
    }

    private static async Task<bool> WaitForEmptyAsync(SqliteOutbox outbox, CancellationToken ct)
    {
        for (var i = 0; i < 100; i++)
        {
            if ((await outbox.GetUsageAsync(ct)).Entries == 0)
            {
                return true;
            }

            await Task.Delay(100, ct);
        }

        return false;
    }
}
