using System.Globalization;
using FedEdge.CrashHost;

// Usage: FedEdge.CrashHost <mode> <args...>. Each mode prints one line per durable step and flushes
// it, so the test knows what was acknowledged before it killed the process.
//   ledger <path> <count>               reserve spends in a privacy ledger ("reserved N")
//   outbox <database> <count> <topic>   fill an outbox to its bound ("stored <id>", then "full: ..."), then wait
//   host-fault                          run a service host whose loop throws (exit code as systemd would see it)
return args switch
{
    ["ledger", var path, var count] => LedgerWriter.Run(path, int.Parse(count, CultureInfo.InvariantCulture)),
    ["outbox", var database, var count, var topic] => await OutboxWriter.RunAsync(database, count, topic).ConfigureAwait(false),
    ["host-fault"] => await HostFault.RunAsync().ConfigureAwait(false),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: FedEdge.CrashHost ledger <path> <count> | outbox <database> <count> <topic> | host-fault");
    return 2;
}
