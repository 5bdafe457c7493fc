// Usage: FedEdge.CrashHost <database path> <entry count> <topic>
// Fills the outbox to exactly <entry count> entries (its bound), printing "stored <update id hex>" after each
// EnqueueAsync returned (i.e. after the commit), then "full: <message>" for the refused extra entry, then blocks
// until it is killed. Update ids come from RandomNumberGenerator, so every run is distinct.
using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Protocol.Outbox;
using Microsoft.Extensions.Logging.Abstractions;

if (args.Length != 3 || !int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
{
    await Console.Error.WriteLineAsync("usage: FedEdge.CrashHost <database path> <entry count> <topic>").ConfigureAwait(false);
    return 2;
}

var outbox = SqliteOutbox.Open(
    new OutboxOptions { DatabasePath = args[0], MaxEntries = count },
    TimeProvider.System,
    NullLogger<SqliteOutbox>.Instance);

for (var i = 0; i <= count; i++)
{
    var id = RandomNumberGenerator.GetBytes(SqliteOutbox.UpdateIdLength);
    var payload = new byte[64 + i];
    id.CopyTo(payload, 0);
    RandomNumberGenerator.Fill(payload.AsSpan(SqliteOutbox.UpdateIdLength));
    try
    {
        await outbox.EnqueueAsync(id, args[2], payload, CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine("stored " + Convert.ToHexString(id));
    }
    catch (OutboxFullException ex)
    {
        Console.WriteLine("full: " + ex.Message);
    }
}

Console.Out.Flush();

// Keep the database open, as a running agent would, until the test kills this process.
await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
return 0;
