using System.Buffers.Binary;
using System.Security.Cryptography;
using FedEdge.Core.Privacy;

namespace FedEdge.Device.Privacy;

/// <summary>
/// The device's durable record of every DP mechanism it has applied, and the gate that refuses a
/// training run that would exceed its (ε, δ) budget.
/// </summary>
/// <remarks>
/// <para>
/// Write-ahead: <see cref="Reserve"/> appends the <em>planned</em> spend and fsyncs it before it
/// returns, and training starts only after that. A crash can therefore leave at most one torn
/// record at the end of the file, belonging to a run that never started: it is discarded on
/// open. Any other damage means the spend is unknown, and <see cref="Open"/> refuses with
/// <see cref="PrivacyLedgerCorruptException"/> rather than under-count.
/// </para>
/// <para>
/// File format: a sequence of fixed 64-byte little-endian records —
/// magic "FLR1" (4) · kind (1) · reserved (3) · q (f64) · σ (f64) · steps (i64) · model version (i64) ·
/// unix ms (i64) · sequence (u64) · first 8 bytes of SHA-256 over bytes 0–55 (8).
/// </para>
/// <para>
/// Spend is the RDP of all entries composed (Mironov 2017, Prop. 1: RDP adds up), kept as a running
/// vector over the accountant's orders and converted to ε at the budget's δ.
/// </para>
/// </remarks>
public sealed class PrivacyLedger : IDisposable
{
    /// <summary>Size of one record in bytes.</summary>
    public const int RecordSize = 64;

    /// <summary>Upper bound on entries (a device training hourly for a century stays far below).</summary>
    public const int MaxEntries = 1_000_000;

    private const uint Magic = 0x3152_4C46; // "FLR1" little-endian
    private readonly object _gate = new();
    private readonly FileStream? _file;
    private readonly FileStream? _writerLock;
    private readonly RdpAccountant _accountant;
    private readonly TimeProvider _time;
    private readonly List<LedgerEntry> _entries = [];
    private readonly double[] _rdp;
    private bool _disposed;

    private PrivacyLedger(string path, FileStream? file, FileStream? writerLock, PrivacyBudget budget, RdpAccountant accountant, TimeProvider time, int discardedBytes)
    {
        Path = path;
        _file = file;
        _writerLock = writerLock;
        Budget = budget;
        _accountant = accountant;
        _time = time;
        _rdp = new double[accountant.Orders.Count];
        DiscardedTornBytes = discardedBytes;
    }

    /// <summary>The ledger file.</summary>
    public string Path { get; }

    /// <summary>The lifetime budget.</summary>
    public PrivacyBudget Budget { get; }

    /// <summary>Bytes of a torn final record discarded when the ledger was opened (0 normally).</summary>
    public int DiscardedTornBytes { get; }

    /// <summary>All entries, oldest first.</summary>
    public IReadOnlyList<LedgerEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToArray();
            }
        }
    }

    /// <summary>
    /// Opens (or creates) the ledger at <paramref name="path"/>, replaying every record. Only one
    /// process may hold a ledger open for writing (the lock is <c>&lt;path&gt;.lock</c>).
    /// </summary>
    /// <exception cref="PrivacyLedgerCorruptException">A record other than a torn last one is damaged.</exception>
    /// <exception cref="IOException">The file cannot be opened (e.g. another process holds it).</exception>
    public static PrivacyLedger Open(string path, PrivacyBudget budget, RdpAccountant accountant, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(accountant);
        ArgumentNullException.ThrowIfNull(time);
        budget.Validate();

        // One writer: .NET on Unix maps FileShare to flock(2) — None takes LOCK_EX, anything else LOCK_SH, readers
        // included — so an exclusive open of the ledger itself would also shut out OpenReadOnly. The exclusive lock is
        // therefore held on a side file, and the ledger is opened sharing reads.
        var writerLock = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.None);
        }
        catch
        {
            writerLock.Dispose();
            throw;
        }

        try
        {
            var records = ReadRecords(file, path, out int torn);
            if (torn > 0)
            {
                // Discard the torn tail: its run never started (Reserve returns only after fsync).
                file.SetLength(file.Length - torn);
                file.Flush(flushToDisk: true);
            }

            file.Seek(0, SeekOrigin.End);
            var ledger = new PrivacyLedger(path, file, writerLock, budget, accountant, time, torn);
            foreach (var entry in records)
            {
                ledger.Accumulate(entry);
            }

            return ledger;
        }
        catch
        {
            file.Dispose();
            writerLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the ledger at <paramref name="path"/> for inspection (<c>fededge-agent status</c>) while the agent may
    /// hold it open: read access sharing reads and writes (a shared flock, which the agent's shared open of the ledger
    /// allows; its exclusive lock is on the side file), and nothing is changed — a torn last record, which may be an
    /// append in progress, is left alone and not counted. The result is closed: <see cref="Reserve"/> throws.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no ledger (the agent never ran).</exception>
    /// <exception cref="PrivacyLedgerCorruptException">A record other than the last one is damaged.</exception>
    public static PrivacyLedger OpenReadOnly(string path, PrivacyBudget budget, RdpAccountant accountant, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(accountant);
        ArgumentNullException.ThrowIfNull(time);
        budget.Validate();

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.None);
        var records = ReadRecords(file, path, out int torn);
        var ledger = new PrivacyLedger(path, file: null, writerLock: null, budget, accountant, time, torn);
        foreach (var entry in records)
        {
            ledger.Accumulate(entry);
        }

        return ledger;
    }

    /// <summary>Whether this instance only reads (<see cref="OpenReadOnly"/>).</summary>
    public bool IsReadOnly => _file is null;

    /// <summary>The (ε, δ) spent so far at the budget's δ.</summary>
    public PrivacySpent Spent()
    {
        lock (_gate)
        {
            return _entries.Count == 0 ? new PrivacySpent(0, Budget.Delta, double.NaN) : _accountant.Convert(_rdp, Budget.Delta);
        }
    }

    /// <summary>ε left before the budget is exhausted (never negative).</summary>
    public double RemainingEpsilon => Math.Max(0, Budget.Epsilon - Spent().Epsilon);

    /// <summary>The ε the device would have spent after running <paramref name="planned"/> on top of what is recorded.</summary>
    public PrivacySpent SpentAfter(SubsampledGaussian planned)
    {
        ArgumentNullException.ThrowIfNull(planned);
        double[] plannedRdp = _accountant.ComputeRdp(planned);
        lock (_gate)
        {
            for (int i = 0; i < plannedRdp.Length; i++)
            {
                plannedRdp[i] += _rdp[i];
            }
        }

        return _accountant.Convert(plannedRdp, Budget.Delta);
    }

    /// <summary>Whether <paramref name="planned"/> fits in the remaining budget.</summary>
    public bool CanAfford(SubsampledGaussian planned) => SpentAfter(planned).Epsilon <= Budget.Epsilon;

    /// <summary>
    /// Records the planned spend durably (appended and fsynced) before the run starts; refuses a run
    /// that would exceed the budget without recording anything.
    /// </summary>
    /// <exception cref="PrivacyBudgetExceededException">The run would exceed the budget.</exception>
    public LedgerEntry Reserve(MechanismKind kind, SubsampledGaussian planned, long modelVersion)
    {
        ArgumentNullException.ThrowIfNull(planned);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown mechanism kind.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var file = _file ?? throw new InvalidOperationException($"Privacy ledger '{Path}' was opened read-only; only the agent records spends.");
            if (_entries.Count >= MaxEntries)
            {
                throw new PrivacyBudgetExceededException($"Privacy ledger '{Path}' holds {MaxEntries} entries; no further runs are recorded.");
            }

            double before = _entries.Count == 0 ? 0 : _accountant.Convert(_rdp, Budget.Delta).Epsilon;
            var after = SpentAfter(planned);
            if (after.Epsilon > Budget.Epsilon)
            {
                throw new PrivacyBudgetExceededException(
                    $"Refused: the planned run ({kind}, q = {planned.SamplingRate}, σ = {planned.NoiseMultiplier}, {planned.Steps} steps) would raise ε from {before:G4} to {after.Epsilon:G4}, above the budget ε = {Budget.Epsilon:G4} at δ = {Budget.Delta:G3}.")
                {
                    SpentEpsilon = before,
                    PlannedEpsilon = after.Epsilon,
                    BudgetEpsilon = Budget.Epsilon,
                };
            }

            var entry = new LedgerEntry(_entries.Count, kind, planned.SamplingRate, planned.NoiseMultiplier, planned.Steps, modelVersion, _time.GetUtcNow());
            Span<byte> record = stackalloc byte[RecordSize];
            Encode(entry, record);
            long length = file.Length;
            try
            {
                file.Write(record);
                file.Flush(flushToDisk: true);
            }
            catch (IOException)
            {
                // Leave no partial record behind a failed append; if even this fails, the next Open discards the torn tail.
                file.SetLength(length);
                throw;
            }

            Accumulate(entry);
            return entry;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _file?.Dispose();
            _writerLock?.Dispose();
        }
    }

    /// <summary>Every intact record from the start; <paramref name="torn"/> = bytes of a torn or damaged last record.</summary>
    private static List<LedgerEntry> ReadRecords(FileStream file, string path, out int torn)
    {
        long length = file.Length;
        if (length > (long)MaxEntries * RecordSize)
        {
            throw new PrivacyLedgerCorruptException($"Privacy ledger '{path}' is {length} bytes, beyond {MaxEntries} records.");
        }

        var records = new List<LedgerEntry>();
        byte[] buffer = new byte[RecordSize];
        long complete = length / RecordSize;
        torn = (int)(length % RecordSize);
        for (long i = 0; i < complete; i++)
        {
            file.ReadExactly(buffer);
            if (!TryDecode(buffer, out var entry) || entry.Sequence != i)
            {
                if (i == complete - 1 && torn == 0)
                {
                    // the last record is damaged and nothing follows it: a torn append
                    torn = RecordSize;
                    break;
                }

                throw new PrivacyLedgerCorruptException(
                    $"Privacy ledger '{path}': record {i} (byte {i * RecordSize}) is damaged and is not the last one; the spend is unknown, so contributing stops until the file is repaired.");
            }

            records.Add(entry);
        }

        return records;
    }

    private void Accumulate(LedgerEntry entry)
    {
        double[] rdp = _accountant.ComputeRdp(new SubsampledGaussian(entry.SamplingRate, entry.NoiseMultiplier, entry.Steps));
        for (int i = 0; i < rdp.Length; i++)
        {
            _rdp[i] += rdp[i];
        }

        _entries.Add(entry);
    }

    private static void Encode(LedgerEntry entry, Span<byte> record)
    {
        record.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        record[4] = (byte)entry.Kind;
        BinaryPrimitives.WriteDoubleLittleEndian(record[8..], entry.SamplingRate);
        BinaryPrimitives.WriteDoubleLittleEndian(record[16..], entry.NoiseMultiplier);
        BinaryPrimitives.WriteInt64LittleEndian(record[24..], entry.Steps);
        BinaryPrimitives.WriteInt64LittleEndian(record[32..], entry.ModelVersion);
        BinaryPrimitives.WriteInt64LittleEndian(record[40..], entry.Time.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt64LittleEndian(record[48..], (ulong)entry.Sequence);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(record[..56], hash);
        hash[..8].CopyTo(record[56..]);
    }

    private static bool TryDecode(ReadOnlySpan<byte> record, out LedgerEntry entry)
    {
        entry = default;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(record[..56], hash);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Magic || !hash[..8].SequenceEqual(record[56..]))
        {
            return false;
        }

        var kind = (MechanismKind)record[4];
        double q = BinaryPrimitives.ReadDoubleLittleEndian(record[8..]);
        double sigma = BinaryPrimitives.ReadDoubleLittleEndian(record[16..]);
        long steps = BinaryPrimitives.ReadInt64LittleEndian(record[24..]);
        long unixMs = BinaryPrimitives.ReadInt64LittleEndian(record[40..]);
        if (!Enum.IsDefined(kind) || !(q >= 0 && q <= 1) || !(sigma > 0) || double.IsInfinity(sigma) || steps < 0
            || unixMs < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || unixMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        entry = new LedgerEntry(
            (long)BinaryPrimitives.ReadUInt64LittleEndian(record[48..]),
            kind,
            q,
            sigma,
            steps,
            BinaryPrimitives.ReadInt64LittleEndian(record[32..]),
            DateTimeOffset.FromUnixTimeMilliseconds(unixMs));
        return true;
    }
}
