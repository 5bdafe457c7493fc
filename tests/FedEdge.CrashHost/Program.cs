using System.Globalization;
using FedEdge.CrashHost;

// Usage: FedEdge.CrashHost <mode> <args...>; each mode prints one line per durable step and
// flushes it, so the test knows what was acknowledged before it killed the process.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: FedEdge.CrashHost ledger <path> <count>");
    return 2;
}

return args[0] switch
{
    "ledger" when args.Length == 3 => LedgerWriter.Run(args[1], int.Parse(args[2], CultureInfo.InvariantCulture)),
    _ => Unknown(args[0]),
};

static int Unknown(string mode)
{
    Console.Error.WriteLine($"unknown mode or arguments: {mode}");
    return 2;
}
