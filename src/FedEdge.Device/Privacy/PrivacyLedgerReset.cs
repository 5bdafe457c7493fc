namespace FedEdge.Device.Privacy;

/// <summary>What <c>fededge-agent reset-ledger --i-understand</c> did (<see cref="PrivacyLedger.Reset"/>).</summary>
/// <param name="CarriedEpsilon">The ε the new ledger starts from: the most any surviving record says was spent.</param>
/// <param name="Source">Where that figure came from ("ledger", "witness", or "budget" when nothing survived).</param>
/// <param name="PreviousRecords">Readable records in the replaced ledger.</param>
/// <param name="KeptFiles">The replaced files, renamed aside for inspection (never deleted).</param>
public sealed record PrivacyLedgerReset(double CarriedEpsilon, string Source, int PreviousRecords, IReadOnlyList<string> KeptFiles);
