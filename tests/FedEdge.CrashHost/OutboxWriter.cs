using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Protocol.Outbox;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.CrashHost;

/// <summary>
/// Fills an outbox to exactly its bound, printing "stored &lt;update id hex&gt;" after each EnqueueAsync
/// returned (after the commit), then "full: &lt;message&gt;" for the refused extra entry, then blocks until
/// killed, holding the database open as a running agent would.
/// </summary>
internal static class OutboxWriter
{
    public static async Task<int> RunAsync(string database, string countText, string topic)
    {
        if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1)
        {
            await Console.Error.WriteLineAsync("outbox: the entry count must be a positive integer").ConfigureAwait(false);
            return 2;
        }

        var outbox = SqliteOutbox.Open(new OutboxOptions { DatabasePath = database, MaxEntries = count }, TimeProvider.System, NullLogger<SqliteOutbox>.Instance);
        for (int i = 0; i <= count; i++)
        {
            byte[] id = RandomNumberGenerator.GetBytes(SqliteOutbox.UpdateIdLength);
            byte[] payload = new byte[64 + i];
            id.CopyTo(payload, 0);
            RandomNumberGenerator.Fill(payload.AsSpan(SqliteOutbox.UpdateIdLength));
            try
            {
                await outbox.EnqueueAsync(id, topic, payload, CancellationToken.None).ConfigureAwait(false);
                Console.WriteLine("stored " + Convert.ToHexString(id));
            }
            catch (OutboxFullException ex)
            {
                Console.WriteLine("full: " + ex.Message);
            }
        }

        Console.Out.Flush();
        await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
        return 0;
    }
}
