using FedEdge.Device.Privacy;
using FedEdge.Core.Privacy;

namespace FedEdge.CrashHost;

/// <summary>Reserves spends in a privacy ledger as fast as it can, printing "reserved N" after each durable append.</summary>
internal static class LedgerWriter
{
    public static int Run(string path, int count)
    {
        using var ledger = PrivacyLedger.Open(path, new PrivacyBudget(1e6, 1e-5), new RdpAccountant(), TimeProvider.System);
        Console.Out.WriteLine("ready");
        Console.Out.Flush();
        for (int i = 0; i < count; i++)
        {
            var entry = ledger.Reserve(MechanismKind.DpSgd, new SubsampledGaussian(0.01, 1.0, 10), i);
            Console.Out.WriteLine($"reserved {entry.Sequence}");
            Console.Out.Flush();
        }

        return 0;
    }
}
