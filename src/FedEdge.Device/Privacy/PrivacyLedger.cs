using System.Buffers.Binary;
using System.Security.Cryptography;
using FedEdge.Core.Privacy;
using FedEdge.Storage;

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
/// File format 2: a sequence of fixed 64-byte little-endian records —
/// magic "FLR2" (4) · kind (1) · reserved (3) · q (f64) · σ, or the carried ε of a reset (f64) · steps (i64) ·
/// model version (i64) · unix ms (i64) · sequence (u64) · chain (8), where chain = the first 8 bytes of
/// SHA-256(previous record's chain ‖ bytes 0–55), and 8 zero bytes before record 0. Each record thus commits to
/// every record before it: a changed, removed or reordered record breaks the chain at that point.
/// Format 1 ("FLR1": the last 8 bytes a checksum of the record alone) is migrated on open: the old file is kept as
/// <c>&lt;ledger&gt;.v1</c>, the same entries are rewritten chained, atomically.
/// </para>
/// <para>
/// Tamper evidence, not tamper proof: the chain has no key (a key would sit on the same SD card), so someone who can
/// write the state directory can forge a consistent pair; what is caught is damage and the easy edits. The second
/// record, <see cref="PrivacyLedgerWitness"/> (<c>privacy.spent</c>), holds the record count and chain head and is
/// rewritten after every append: a ledger that lost records — deleted, truncated at a record boundary or mid-record, a
/// damaged last record cut off as if torn, an older copy put back alone — no longer reaches it, and a missing ledger on a
/// device that has other state (outbox, accepted model, diagnostics) is refused the same way. Known limit: both files
/// put back together from an older consistent copy are not detected here.
/// </para>
/// <para>
/// A refused ledger stays refused until <see cref="Reset"/> (<c>fededge-agent reset-ledger --i-understand</c>) starts
/// a new one whose first record is a <see cref="MechanismKind.Reset"/> carrying the most that any surviving record says
/// was spent, so a reset never gives budget back.
/// </para>
/// <para>
/// Spend is the RDP of all entries composed (Mironov 2017, Prop. 1: RDP adds up), kept as a running
/// vector over the accountant's orders and converted to ε at the budget's δ; ε carried by a reset is added to that
/// (basic composition, Dwork and Roth 2014, Thm. 3.16: conservative, never less than the true total).
/// </para>
/// </remarks>
public sealed class PrivacyLedger : IDisposable
{
    /// <summary>Size of one record in bytes.</summary>
    public const int RecordSize = 64;

    /// <summary>Upper bound on entries (a device training hourly for a century stays far below).</summary>
    public const int MaxEntries = 1_000_000;

    /// <summary>The command that starts a refused ledger again, carrying its spend forward.</summary>
    public const string ResetCommand = "fededge-agent reset-ledger --i-understand";

    private const uint MagicVersion1 = 0x3152_4C46; // "FLR1" little-endian
    private const uint Magic = 0x3252_4C46; // "FLR2" little-endian
    private readonly object _gate = new();
    private readonly FileStream? _file;
    private readonly FileStream? _writerLock;
    private readonly RdpAccountant _accountant;
    private readonly StepRdpCache _curves;
    private readonly TimeProvider _time;
    private readonly List<LedgerEntry> _entries = [];
    private readonly double[] _rdp;
    private readonly double[] _aggregatorRdp;
    private readonly Dictionary<(MechanismKind Kind, long ModelVersion), DateTimeOffset> _recorded = [];
    private int _mechanisms;
    private int _aggregatorMechanisms;
    private double _carried;
    private ulong _head;
    private bool _disposed;

    private PrivacyLedger(string path, FileStream? file, FileStream? writerLock, PrivacyBudget budget, RdpAccountant accountant, TimeProvider time, int discardedBytes, string? refusal)
    {
        Path = path;
        WitnessPath = PrivacyLedgerWitness.PathFor(path);
        _file = file;
        _writerLock = writerLock;
        Budget = budget;
        _accountant = accountant;
        _curves = new StepRdpCache(accountant);
        _time = time;
        _rdp = new double[accountant.Orders.Count];
        _aggregatorRdp = new double[accountant.Orders.Count];
        DiscardedTornBytes = discardedBytes;
        Refusal = refusal;
    }

    /// <summary>The ledger file.</summary>
    public string Path { get; }

    /// <summary>The second record of the spend (<see cref="PrivacyLedgerWitness"/>).</summary>
    public string WitnessPath { get; }

    /// <summary>The lifetime budget.</summary>
    public PrivacyBudget Budget { get; }

    /// <summary>Bytes of a torn final record discarded when the ledger was opened (0 normally).</summary>
    public int DiscardedTornBytes { get; }

    /// <summary>Why this device may not train (a ledger refused by <see cref="Open"/>, see <see cref="Refused"/>); null when it may.</summary>
    public string? Refusal { get; }

    /// <summary>Where the format-1 file was kept when <see cref="Open"/> migrated it; null otherwise.</summary>
    public string? MigratedFrom { get; private init; }

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

    /// <summary>The reset this ledger starts with (<see cref="Reset"/>), or null.</summary>
    public LedgerEntry? LastReset
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count > 0 && _entries[0].Kind == MechanismKind.Reset ? _entries[0] : null;
            }
        }
    }

    /// <summary>
    /// Opens (or creates) the ledger at <paramref name="path"/>, replaying every record and checking it against its
    /// witness. Only one process may hold a ledger open for writing (the lock is <c>&lt;path&gt;.lock</c>).
    /// </summary>
    /// <param name="path">The ledger file.</param>
    /// <param name="budget">The lifetime budget.</param>
    /// <param name="accountant">The RDP accountant.</param>
    /// <param name="time">The clock (record times).</param>
    /// <param name="deviceState">The device's other state that exists (<see cref="OtherDeviceState"/>): with any, a missing ledger is refused, not created.</param>
    /// <exception cref="PrivacyLedgerCorruptException">The ledger is damaged, lost records, or is missing on a device with state.</exception>
    /// <exception cref="IOException">The file cannot be opened (e.g. another process holds it).</exception>
    public static PrivacyLedger Open(string path, PrivacyBudget budget, RdpAccountant accountant, TimeProvider time, IReadOnlyList<string>? deviceState = null)
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
        FileStream? file = null;
        try
        {
            bool existed = File.Exists(path);
            string? migratedFrom = MigrateVersion1(path);
            string witnessPath = PrivacyLedgerWitness.PathFor(path);
            var witness = PrivacyLedgerWitness.TryRead(witnessPath, out string? witnessProblem);
            if (!existed)
            {
                // refused before anything is created: an empty file left by a refusal would pass as an upgraded one
                Verify(path, LedgerRead.Empty, existed, witness, witnessProblem, deviceState);
            }

            file = new FileStream(path, existed ? FileMode.Open : FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.None);
            var read = Read(file, path);
            Verify(path, read, existed, witness, witnessProblem, deviceState);

            // only now, verified, may the file change: the torn tail of an append that never returned goes
            if (read.TornBytes > 0)
            {
                file.SetLength(file.Length - read.TornBytes);
                file.Flush(flushToDisk: true);
            }

            file.Seek(0, SeekOrigin.End);
            var ledger = new PrivacyLedger(path, file, writerLock, budget, accountant, time, read.TornBytes, refusal: null) { MigratedFrom = migratedFrom };
            for (int i = 0; i < read.Entries.Count; i++)
            {
                ledger.Accumulate(read.Entries[i], read.Chains[i]);
            }

            if (witness is null || witness.Records != read.Entries.Count || witness.ChainHead != ledger._head || migratedFrom is not null)
            {
                // a new or migrated ledger, or appends whose witness update did not happen (a crash between the two): catch up
                ledger.WriteWitness();
            }

            return ledger;
        }
        catch
        {
            file?.Dispose();
            writerLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the ledger at <paramref name="path"/> for inspection (<c>fededge-agent status</c>) while the agent may
    /// hold it open: read access sharing reads and writes (a shared flock, which the agent's shared open of the ledger
    /// allows; its exclusive lock is on the side file), and nothing is changed — a torn last record, which may be an
    /// append in progress, is left alone and not counted. The same checks as <see cref="Open"/> apply. The result is
    /// closed: <see cref="Reserve"/> throws.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no ledger and nothing says there should be one (the agent never ran).</exception>
    /// <exception cref="PrivacyLedgerCorruptException">The ledger is damaged, lost records, or is missing on a device with state.</exception>
    public static PrivacyLedger OpenReadOnly(string path, PrivacyBudget budget, RdpAccountant accountant, TimeProvider time, IReadOnlyList<string>? deviceState = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(accountant);
        ArgumentNullException.ThrowIfNull(time);
        budget.Validate();

        var witness = PrivacyLedgerWitness.TryRead(PrivacyLedgerWitness.PathFor(path), out string? witnessProblem);
        if (!File.Exists(path))
        {
            Verify(path, LedgerRead.Empty, existed: false, witness, witnessProblem, deviceState);
            throw new FileNotFoundException($"There is no privacy ledger at '{path}'.", path);
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.None);
        var read = Read(file, path);
        Verify(path, read, existed: true, witness, witnessProblem, deviceState);
        var ledger = new PrivacyLedger(path, file: null, writerLock: null, budget, accountant, time, read.TornBytes, refusal: null);
        for (int i = 0; i < read.Entries.Count; i++)
        {
            ledger.Accumulate(read.Entries[i], read.Chains[i]);
        }

        return ledger;
    }

    /// <summary>
    /// A closed ledger standing in for one <see cref="Open"/> refused: it affords nothing (ε left 0), <see cref="Reserve"/>
    /// throws, and <see cref="Refusal"/> says why, so the device keeps running — serving predictions, draining its outbox,
    /// reporting — without training until the ledger is reset.
    /// </summary>
    public static PrivacyLedger Refused(string path, PrivacyBudget budget, RdpAccountant accountant, TimeProvider time, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(accountant);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new PrivacyLedger(path, file: null, writerLock: null, budget, accountant, time, 0, reason);
    }

    /// <summary>
    /// Starts the ledger at <paramref name="path"/> again, for an operator who has read why it was refused: the old ledger
    /// and witness are copied aside (<c>.reset-&lt;unix ms&gt;</c>), then a new ledger is written whose one record is a
    /// <see cref="MechanismKind.Reset"/> carrying the most ε any surviving record says was spent — the readable records
    /// of the old ledger, the witness — or, when nothing survived, the whole budget (an unknown spend is taken as all of
    /// it). Spent ε never decreases. A crash part-way leaves a pair the next open refuses, and a second reset reads the
    /// new record's carried ε, so it cannot give budget back either.
    /// </summary>
    /// <exception cref="IOException">The agent holds the ledger (stop it first), or a file cannot be written.</exception>
    public static PrivacyLedgerReset Reset(string path, PrivacyBudget budget, RdpAccountant accountant, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(accountant);
        ArgumentNullException.ThrowIfNull(time);
        budget.Validate();
        FileStream writerLock;
        try
        {
            writerLock = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The privacy ledger '{path}' is open in another process (is the agent running? stop it first: systemctl stop fededge-agent).", ex);
        }

        using (writerLock)
        {
            double known = 0;
            string? source = null;
            int previous = 0;
            if (File.Exists(path))
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.None);
                var read = Read(file, path);
                using var old = new PrivacyLedger(path, null, null, budget, accountant, time, 0, null);
                for (int i = 0; i < read.Entries.Count; i++)
                {
                    old.Accumulate(read.Entries[i], read.Chains[i]);
                }

                previous = read.Entries.Count;
                if (previous > 0)
                {
                    known = old.Spent().Epsilon;
                    source = "ledger";
                }
            }

            string witnessPath = PrivacyLedgerWitness.PathFor(path);
            if (PrivacyLedgerWitness.TryRead(witnessPath, out _) is { } witness && (source is null || witness.EpsilonSpent > known))
            {
                known = Math.Max(known, witness.EpsilonSpent);
                source = "witness";
            }

            if (source is null)
            {
                known = budget.Epsilon;
                source = "budget";
            }

            var now = time.GetUtcNow();
            var kept = new List<string>(2);
            foreach (string file in (ReadOnlySpan<string>)[path, witnessPath])
            {
                if (File.Exists(file))
                {
                    string aside = file + ".reset-" + now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                    AtomicFile.Copy(file, aside);
                    kept.Add(aside);
                }
            }

            var reset = new LedgerEntry(0, MechanismKind.Reset, 0, 0, previous, 0, now) { CarriedEpsilon = known };
            Span<byte> record = stackalloc byte[RecordSize];
            ulong chain = Encode(reset, previousChain: 0, record);
            AtomicFile.Write(path, record);
            new PrivacyLedgerWitness(1, chain, known).Write(witnessPath);
            return new PrivacyLedgerReset(known, source, previous, kept);
        }
    }

    /// <summary>
    /// The device's other state in <paramref name="stateDirectory"/> (relative names): the outbox, the accepted and
    /// personal models and their version files, the saved diagnostics. A device with any of these has run before, so
    /// its ledger cannot be missing innocently.
    /// </summary>
    public static IReadOnlyList<string> OtherDeviceState(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        var found = new List<string>();
        foreach (string name in (ReadOnlySpan<string>)["outbox.db", "model/current.model", "model/accepted.version", "model/contributed.version", "model/personal.model", "diagnostics.json"])
        {
            if (File.Exists(System.IO.Path.Combine(stateDirectory, name)))
            {
                found.Add(name);
            }
        }

        return found;
    }

    /// <summary>Whether this instance only reads (<see cref="OpenReadOnly"/>, <see cref="Refused"/>).</summary>
    public bool IsReadOnly => _file is null;

    /// <summary>The (ε, δ) spent so far at the budget's δ (a refused ledger: the whole budget).</summary>
    public PrivacySpent Spent() => SpentOf(againstAggregator: false);

    /// <summary>ε left before the budget is exhausted (never negative).</summary>
    public double RemainingEpsilon => Math.Max(0, Budget.Epsilon - Spent().Epsilon);

    /// <summary>
    /// The (ε, δ) spent against the aggregator and the broker, which see which devices sent an update: every record but
    /// the check-in offers — the rounds the device joined (<see cref="MechanismKind.CheckInJoin"/>) at their unamplified
    /// cost, and every other mechanism as charged — composed and converted at the budget's δ, plus any carried ε.
    /// Equal to <see cref="Spent"/> for a device that never used random check-ins; larger with them, because
    /// amplification by sampling needs the observer not to know whether the device took part (docs/privacy.md, "What
    /// the aggregator can and cannot learn"). Reported, not enforced: the budget gates <see cref="Spent"/>.
    /// </summary>
    public PrivacySpent SpentAgainstAggregator() => SpentOf(againstAggregator: true);

    /// <summary>One of the two composed curves at the budget's δ, plus the carried ε (a refused ledger: the whole budget).</summary>
    private PrivacySpent SpentOf(bool againstAggregator)
    {
        if (Refusal is not null)
        {
            return new PrivacySpent(Budget.Epsilon, Budget.Delta, double.NaN);
        }

        lock (_gate)
        {
            if ((againstAggregator ? _aggregatorMechanisms : _mechanisms) == 0)
            {
                return new PrivacySpent(_carried, Budget.Delta, double.NaN);
            }

            var spent = _accountant.Convert(againstAggregator ? _aggregatorRdp : _rdp, Budget.Delta);
            return spent with { Epsilon = spent.Epsilon + _carried };
        }
    }

    /// <summary>Whether the ledger holds a record of <paramref name="kind"/> for <paramref name="modelVersion"/> (e.g. an offer already charged).</summary>
    public bool Holds(MechanismKind kind, long modelVersion)
    {
        lock (_gate)
        {
            return _recorded.ContainsKey((kind, modelVersion));
        }
    }

    /// <summary>When the last record of <paramref name="kind"/> for <paramref name="modelVersion"/> was written, or null if there is none.</summary>
    public DateTimeOffset? LastRecorded(MechanismKind kind, long modelVersion)
    {
        lock (_gate)
        {
            return _recorded.TryGetValue((kind, modelVersion), out var time) ? time : null;
        }
    }

    /// <summary>The ε the device would have spent after running <paramref name="planned"/> on top of what is recorded.</summary>
    public PrivacySpent SpentAfter(SubsampledGaussian planned)
    {
        ArgumentNullException.ThrowIfNull(planned);
        double[] plannedRdp = new double[_rdp.Length];
        double carried;
        lock (_gate)
        {
            _curves.AddSteps(planned, plannedRdp);
            for (int i = 0; i < plannedRdp.Length; i++)
            {
                plannedRdp[i] += _rdp[i];
            }

            carried = _carried;
        }

        var spent = _accountant.Convert(plannedRdp, Budget.Delta);
        return spent with { Epsilon = spent.Epsilon + carried };
    }

    /// <summary>Whether <paramref name="planned"/> fits in the remaining budget (never on a refused ledger).</summary>
    public bool CanAfford(SubsampledGaussian planned) => Refusal is null && SpentAfter(planned).Epsilon <= Budget.Epsilon;

    /// <summary>
    /// Records the planned spend durably (appended and fsynced, then the witness rewritten) before the run starts; refuses
    /// a run that would exceed the budget without recording anything.
    /// </summary>
    /// <exception cref="PrivacyBudgetExceededException">The run would exceed the budget.</exception>
    /// <exception cref="PrivacyLedgerCorruptException">The ledger was refused (<see cref="Refused"/>).</exception>
    /// <exception cref="IOException">The record or the witness could not be written; the run must not start.</exception>
    public LedgerEntry Reserve(MechanismKind kind, SubsampledGaussian planned, long modelVersion)
    {
        ArgumentNullException.ThrowIfNull(planned);
        if (!Enum.IsDefined(kind) || kind is MechanismKind.Reset or MechanismKind.CheckInJoin)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown mechanism kind (a join is recorded with RecordJoin).");
        }

        if (Refusal is not null)
        {
            throw new PrivacyLedgerCorruptException(Refusal);
        }

        lock (_gate)
        {
            var file = Writable();
            double before = Spent().Epsilon;
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

            return Append(file, kind, planned, modelVersion);
        }
    }

    /// <summary>
    /// Records, write-ahead, that the device joined the round it was offered for <paramref name="modelVersion"/> and is
    /// about to release <paramref name="released"/> (q = 1): no charge against the budget — the offer's
    /// <see cref="MechanismKind.CheckInOffer"/> record paid for it — but counted in <see cref="SpentAgainstAggregator"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No offer of that version is recorded (the release would be uncharged), or the ledger is read-only.</exception>
    /// <exception cref="PrivacyLedgerCorruptException">The ledger was refused.</exception>
    /// <exception cref="IOException">The record could not be written; the update must not be released.</exception>
    public LedgerEntry RecordJoin(SubsampledGaussian released, long modelVersion)
    {
        ArgumentNullException.ThrowIfNull(released);
        if (Refusal is not null)
        {
            throw new PrivacyLedgerCorruptException(Refusal);
        }

        lock (_gate)
        {
            var file = Writable();
            if (!_recorded.ContainsKey((MechanismKind.CheckInOffer, modelVersion)))
            {
                throw new InvalidOperationException($"No check-in offer of model v{modelVersion} is recorded in '{Path}': a join would release an update nobody paid for.");
            }

            return Append(file, MechanismKind.CheckInJoin, released, modelVersion);
        }
    }

    private FileStream Writable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var file = _file ?? throw new InvalidOperationException($"Privacy ledger '{Path}' was opened read-only; only the agent records spends.");
        if (_entries.Count >= MaxEntries)
        {
            throw new PrivacyBudgetExceededException($"Privacy ledger '{Path}' holds {MaxEntries} entries; no further runs are recorded.");
        }

        return file;
    }

    /// <summary>Appends one record (fsynced), then counts it and rewrites the witness. Called under the gate.</summary>
    private LedgerEntry Append(FileStream file, MechanismKind kind, SubsampledGaussian planned, long modelVersion)
    {
        var entry = new LedgerEntry(_entries.Count, kind, planned.SamplingRate, planned.NoiseMultiplier, planned.Steps, modelVersion, _time.GetUtcNow());
        Span<byte> record = stackalloc byte[RecordSize];
        ulong chain = Encode(entry, _head, record);
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

        // durable from here: counted even if the witness cannot be written (a witness behind the ledger is accepted on
        // open and caught up; the spend is never under-counted), but then the run does not start
        Accumulate(entry, chain);
        WriteWitness();
        return entry;
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

    private void WriteWitness()
    {
        lock (_gate)
        {
            new PrivacyLedgerWitness(_entries.Count, _head, Spent().Epsilon).Write(WitnessPath);
        }
    }

    /// <summary>Refuses (throws) unless the ledger read from <paramref name="path"/> is whole and agrees with its witness.</summary>
    /// <remarks>
    /// An existing but empty ledger without a witness is accepted (and a witness written): that is a format-1 device that
    /// never spent, as the upgrade finds it. The same pair made by hand (ledger emptied and witness deleted) is the kind of
    /// consistent forgery the chain cannot see without a key.
    /// </remarks>
    private static void Verify(string path, LedgerRead read, bool existed, PrivacyLedgerWitness? witness, string? witnessProblem, IReadOnlyList<string>? deviceState)
    {
        string witnessPath = PrivacyLedgerWitness.PathFor(path);
        int records = read.Entries.Count;
        string? reason = null;
        if (read.Damage is not null)
        {
            reason = $"privacy ledger '{path}': {read.Damage}; the spend is unknown";
        }
        else if (witnessProblem is not null)
        {
            reason = $"the second record of the spend {witnessProblem}";
        }
        else if (witness is null)
        {
            if (records > 0 && !read.Version1)
            {
                reason = $"the second record of the spend '{witnessPath}' is missing while the ledger '{path}' holds {records} records (deleted?)";
            }
            else if (records == 0 && !existed && deviceState is { Count: > 0 })
            {
                reason = $"the privacy ledger '{path}' is missing or empty, but the device has run before ({string.Join(", ", deviceState)}): what it spent is unknown";
            }
        }
        else if (records < witness.Records)
        {
            reason = $"the privacy ledger '{path}' holds {records} intact records but its second record '{witnessPath}' says {witness.Records}: records were deleted, truncated, damaged, or an older copy was put back";
        }
        else if (witness.Records > 0 && read.Chains[(int)witness.Records - 1] != witness.ChainHead)
        {
            reason = $"record {witness.Records - 1} of the privacy ledger '{path}' is not the one its second record '{witnessPath}' names: records were changed, reordered or replaced";
        }

        if (reason is not null)
        {
            throw new PrivacyLedgerCorruptException($"Privacy ledger refused: {reason}. The device does not contribute until an operator runs `{ResetCommand}`, which keeps the old files and carries the spent ε forward.");
        }
    }

    /// <summary>
    /// A format-1 ledger at <paramref name="path"/> is rewritten in format 2 (same entries, chained), the old file kept as
    /// <c>.v1</c>. Order: the copy, then the witness, then the ledger — each atomic; a crash between leaves a format-1 file
    /// that migrates again to the same bytes, which the witness already names. Returns the copy's path, or null.
    /// </summary>
    private static string? MigrateVersion1(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        LedgerRead read;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.None))
        {
            read = Read(file, path);
        }

        if (!read.Version1)
        {
            return null;
        }

        string witnessPath = PrivacyLedgerWitness.PathFor(path);
        var witness = PrivacyLedgerWitness.TryRead(witnessPath, out string? witnessProblem);
        Verify(path, read, existed: true, witness, witnessProblem, deviceState: null);
        string kept = path + ".v1";
        AtomicFile.Copy(path, kept);
        byte[] rewritten = new byte[read.Entries.Count * RecordSize];
        ulong chain = 0;
        for (int i = 0; i < read.Entries.Count; i++)
        {
            chain = Encode(read.Entries[i], chain, rewritten.AsSpan(i * RecordSize, RecordSize));
        }

        // the witness's ε is informational (what a reset carries when the ledger is gone) and needs the real budget's δ:
        // the first append or open rewrites it; the record count and chain head are what the checks use
        new PrivacyLedgerWitness(read.Entries.Count, chain, 0).Write(witnessPath);
        AtomicFile.Write(path, rewritten);
        return kept;
    }

    /// <summary>Every intact record from the start, the chain after each, and what stopped the reading.</summary>
    private static LedgerRead Read(FileStream file, string path)
    {
        long length = file.Length;
        if (length > (long)MaxEntries * RecordSize)
        {
            return LedgerRead.Empty with { Damage = $"{length} bytes is beyond {MaxEntries} records" };
        }

        var entries = new List<LedgerEntry>();
        var chains = new List<ulong>();
        byte[] buffer = new byte[RecordSize];
        long complete = length / RecordSize;
        int torn = (int)(length % RecordSize);
        bool version1 = false;
        string? damage = null;
        ulong chain = 0;
        Span<byte> rewritten = stackalloc byte[RecordSize];
        file.Seek(0, SeekOrigin.Begin);
        for (long i = 0; i < complete; i++)
        {
            file.ReadExactly(buffer);
            if (i == 0)
            {
                version1 = BinaryPrimitives.ReadUInt32LittleEndian(buffer) == MagicVersion1;
            }

            bool intact = version1 ? TryDecodeVersion1(buffer, out var entry) : TryDecode(buffer, chain, out entry);
            if (!intact || entry.Sequence != i || (entry.Kind == MechanismKind.Reset && i != 0))
            {
                if (i == complete - 1 && torn == 0)
                {
                    // the last record is damaged and nothing follows it: an append in progress, if the witness agrees
                    torn = RecordSize;
                    break;
                }

                damage = $"record {i} (byte {i * RecordSize}) is damaged, out of order or not chained to the one before it, and is not the last one";
                break;
            }

            chain = version1 ? Encode(entry, chain, rewritten) : BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(56));
            entries.Add(entry);
            chains.Add(chain);
        }

        return new LedgerRead(entries, chains, torn, version1, damage);
    }

    private void Accumulate(LedgerEntry entry, ulong chain)
    {
        if (entry.Kind == MechanismKind.Reset)
        {
            _carried += entry.CarriedEpsilon;
        }
        else
        {
            Span<double> rdp = stackalloc double[_rdp.Length];
            _curves.AddSteps(new SubsampledGaussian(entry.SamplingRate, entry.NoiseMultiplier, entry.Steps), rdp);
            if (entry.Kind != MechanismKind.CheckInJoin)
            {
                // charged: everything but a join, which its offer paid for
                for (int i = 0; i < rdp.Length; i++)
                {
                    _rdp[i] += rdp[i];
                }

                _mechanisms++;
            }

            if (entry.Kind != MechanismKind.CheckInOffer)
            {
                // seen by the aggregator: every release it received, unamplified for check-ins
                for (int i = 0; i < rdp.Length; i++)
                {
                    _aggregatorRdp[i] += rdp[i];
                }

                _aggregatorMechanisms++;
            }

            _recorded[(entry.Kind, entry.ModelVersion)] = entry.Time;
        }

        _entries.Add(entry);
        _head = chain;
    }

    /// <summary>Writes <paramref name="entry"/> in format 2 chained to <paramref name="previousChain"/>; returns its chain.</summary>
    private static ulong Encode(LedgerEntry entry, ulong previousChain, Span<byte> record)
    {
        record.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        record[4] = (byte)entry.Kind;
        BinaryPrimitives.WriteDoubleLittleEndian(record[8..], entry.SamplingRate);
        BinaryPrimitives.WriteDoubleLittleEndian(record[16..], entry.Kind == MechanismKind.Reset ? entry.CarriedEpsilon : entry.NoiseMultiplier);
        BinaryPrimitives.WriteInt64LittleEndian(record[24..], entry.Steps);
        BinaryPrimitives.WriteInt64LittleEndian(record[32..], entry.ModelVersion);
        BinaryPrimitives.WriteInt64LittleEndian(record[40..], entry.Time.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt64LittleEndian(record[48..], (ulong)entry.Sequence);
        ulong chain = Chain(previousChain, record[..56]);
        BinaryPrimitives.WriteUInt64LittleEndian(record[56..], chain);
        return chain;
    }

    /// <summary>The first 8 bytes of SHA-256(previous chain ‖ record bytes 0–55), as a little-endian number.</summary>
    private static ulong Chain(ulong previousChain, ReadOnlySpan<byte> body)
    {
        Span<byte> input = stackalloc byte[8 + 56];
        BinaryPrimitives.WriteUInt64LittleEndian(input, previousChain);
        body.CopyTo(input[8..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return BinaryPrimitives.ReadUInt64LittleEndian(hash);
    }

    private static bool TryDecode(ReadOnlySpan<byte> record, ulong previousChain, out LedgerEntry entry)
    {
        entry = default;
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Magic || Chain(previousChain, record[..56]) != BinaryPrimitives.ReadUInt64LittleEndian(record[56..]))
        {
            return false;
        }

        return TryFields(record, out entry);
    }

    /// <summary>Format 1: magic "FLR1", and the last 8 bytes the first 8 of SHA-256 over bytes 0–55 of the record alone.</summary>
    private static bool TryDecodeVersion1(ReadOnlySpan<byte> record, out LedgerEntry entry)
    {
        entry = default;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(record[..56], hash);
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != MagicVersion1 || !hash[..8].SequenceEqual(record[56..]) || record[4] == (byte)MechanismKind.Reset)
        {
            return false;
        }

        return TryFields(record, out entry);
    }

    private static bool TryFields(ReadOnlySpan<byte> record, out LedgerEntry entry)
    {
        entry = default;
        var kind = (MechanismKind)record[4];
        double q = BinaryPrimitives.ReadDoubleLittleEndian(record[8..]);
        double sigma = BinaryPrimitives.ReadDoubleLittleEndian(record[16..]);
        long steps = BinaryPrimitives.ReadInt64LittleEndian(record[24..]);
        long unixMs = BinaryPrimitives.ReadInt64LittleEndian(record[40..]);
        if (!Enum.IsDefined(kind) || steps < 0
            || unixMs < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || unixMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return false;
        }

        bool reset = kind == MechanismKind.Reset;
        if (reset ? !(q == 0 && sigma >= 0 && !double.IsInfinity(sigma)) : !(q >= 0 && q <= 1 && sigma > 0 && !double.IsInfinity(sigma)))
        {
            return false;
        }

        entry = new LedgerEntry(
            (long)BinaryPrimitives.ReadUInt64LittleEndian(record[48..]),
            kind,
            q,
            reset ? 0 : sigma,
            steps,
            BinaryPrimitives.ReadInt64LittleEndian(record[32..]),
            DateTimeOffset.FromUnixTimeMilliseconds(unixMs))
        {
            CarriedEpsilon = reset ? sigma : 0,
        };
        return true;
    }

    /// <summary>What reading a ledger file found.</summary>
    private sealed record LedgerRead(List<LedgerEntry> Entries, List<ulong> Chains, int TornBytes, bool Version1, string? Damage)
    {
        public static LedgerRead Empty => new([], [], 0, false, null);
    }
}
