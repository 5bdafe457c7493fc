using Microsoft.Data.Sqlite;

namespace FedEdge.Aggregation.State;

/// <summary>
/// The aggregator's crash-safe state in SQLite (WAL, synchronous=FULL): model versions, the
/// aggregation buffer, every update id ever accepted, each device's privacy ledger (the RDP curve the aggregator
/// charged it) and small metadata.
/// </summary>
/// <remarks>
/// The protocol that makes kill -9 harmless: an update is acknowledged to the broker only after
/// <see cref="TryAccept"/> committed it (seen id + buffer row in one transaction), and an
/// aggregation step commits the new model and removes the buffer rows it consumed in one
/// transaction (<see cref="CommitModel"/>). A redelivered update finds its id in <c>seen</c> and is
/// a duplicate, whether it is still buffered or already folded into a model. All calls are
/// serialised on one connection.
/// </remarks>
public sealed class AggregatorStateStore : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS model (
            version INTEGER PRIMARY KEY,
            created_at INTEGER NOT NULL,
            parameters BLOB NOT NULL,
            signed BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS seen (
            update_id BLOB PRIMARY KEY CHECK (length(update_id) = 16),
            device_id TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            base_version INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS buffer (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            update_id BLOB NOT NULL UNIQUE REFERENCES seen(update_id),
            device_id TEXT NOT NULL,
            base_version INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            sample_count INTEGER NOT NULL,
            message BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS privacy (
            device_id TEXT PRIMARY KEY,
            rdp BLOB NOT NULL,
            updates INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS rate (
            device_id TEXT PRIMARY KEY,
            window_start INTEGER NOT NULL,
            count INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL);
        """;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    // The statements of the intake path, prepared once and reused (SQLite compiles a statement at its first execution and
    // keeps it while the command lives): compiling each of them per update was a third of the store's time per update.
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private SqliteTransaction? _batch;

    // How many rows `seen` holds, once counted (null: not known, e.g. after a rollback): lets PruneSeen skip its size bound,
    // a scan of the whole table, at every step in which the table is within the bound.
    private long? _seenRows;

    private AggregatorStateStore(SqliteConnection connection)
    {
        _connection = connection;
    }

    /// <summary>Opens (or creates) the state database at <paramref name="path"/>.</summary>
    public static AggregatorStateStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, "PRAGMA synchronous = FULL;");
            Execute(connection, "PRAGMA foreign_keys = ON;");
            Execute(connection, Schema);
            AddSeenBaseVersion(connection);
            return new AggregatorStateStore(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A state file from before the base-version window gets the column (0: pruned at the first step).</summary>
    private static void AddSeenBaseVersion(SqliteConnection connection)
    {
        using (var info = connection.CreateCommand())
        {
            info.CommandText = "SELECT 1 FROM pragma_table_info('seen') WHERE name = 'base_version';";
            if (info.ExecuteScalar() is null)
            {
                Execute(connection, "ALTER TABLE seen ADD COLUMN base_version INTEGER NOT NULL DEFAULT 0;");
            }
        }

        Execute(connection, "CREATE INDEX IF NOT EXISTS seen_base_version ON seen (base_version);");
    }

    /// <summary>The newest model, or null before the first one.</summary>
    public StoredModel? LatestModel()
    {
        lock (_gate)
        {
            using var command = Command("SELECT version, created_at, parameters, signed FROM model ORDER BY version DESC LIMIT 1;");
            using var reader = command.ExecuteReader();
            return reader.Read()
                ? new StoredModel(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), (byte[])reader[2], (byte[])reader[3])
                : null;
        }
    }

    /// <summary>Whether an update id was ever accepted.</summary>
    public bool IsSeen(ReadOnlySpan<byte> updateId)
    {
        lock (_gate)
        {
            var command = Prepared("SELECT 1 FROM seen WHERE update_id = $id;", null, "$id");
            command.Parameters[0].Value = updateId.ToArray();
            return command.ExecuteScalar() is not null;
        }
    }

    /// <summary>
    /// The RDP curve the aggregator has charged <paramref name="device"/> (one value per order of the accountant), or
    /// null when it never accepted a DP update from it.
    /// </summary>
    public double[]? PrivacyCurve(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (_gate)
        {
            var command = Prepared("SELECT rdp FROM privacy WHERE device_id = $device;", null, "$device");
            command.Parameters[0].Value = device;
            return command.ExecuteScalar() is byte[] bytes
                ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes).ToArray()
                : null;
        }
    }

    /// <summary>
    /// Durably adds an update to the buffer unless its id was seen before, and with it (same transaction) the device's
    /// RDP curve after charging it, when <paramref name="privacyCurve"/> is given.
    /// </summary>
    public AcceptOutcome TryAccept(BufferedUpdate update, double[]? privacyCurve = null)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            using var transaction = Transaction();
            var seen = Prepared("INSERT OR IGNORE INTO seen (update_id, device_id, received_at, base_version) VALUES ($id, $device, $at, $base);", transaction, "$id", "$device", "$at", "$base");
            seen.Parameters[0].Value = update.UpdateId;
            seen.Parameters[1].Value = update.DeviceId;
            seen.Parameters[2].Value = update.ReceivedAt.ToUnixTimeMilliseconds();
            seen.Parameters[3].Value = update.BaseVersion;
            if (seen.ExecuteNonQuery() == 0)
            {
                return AcceptOutcome.Duplicate;
            }

            var buffer = Prepared(
                "INSERT INTO buffer (update_id, device_id, base_version, received_at, sample_count, message) VALUES ($id, $device, $base, $at, $samples, $message);",
                transaction,
                "$id", "$device", "$base", "$at", "$samples", "$message");
            buffer.Parameters[0].Value = update.UpdateId;
            buffer.Parameters[1].Value = update.DeviceId;
            buffer.Parameters[2].Value = update.BaseVersion;
            buffer.Parameters[3].Value = update.ReceivedAt.ToUnixTimeMilliseconds();
            buffer.Parameters[4].Value = update.SampleCount;
            buffer.Parameters[5].Value = update.Message;
            buffer.ExecuteNonQuery();

            if (privacyCurve is not null)
            {
                var ledger = Prepared(
                    "INSERT INTO privacy (device_id, rdp, updates) VALUES ($device, $rdp, 1) ON CONFLICT(device_id) DO UPDATE SET rdp = excluded.rdp, updates = updates + 1;",
                    transaction,
                    "$device", "$rdp");
                ledger.Parameters[0].Value = update.DeviceId;
                ledger.Parameters[1].Value = System.Runtime.InteropServices.MemoryMarshal.AsBytes(privacyCurve.AsSpan()).ToArray();
                ledger.ExecuteNonQuery();
            }

            transaction.Commit();
            _seenRows++;
            return AcceptOutcome.Accepted;
        }
    }

    /// <summary>
    /// Durably sets the RDP curves of devices charged without an update of theirs (the members of a released
    /// secure-aggregation group), in one transaction (the open batch, if any).
    /// </summary>
    public void ChargePrivacy(IReadOnlyList<(string Device, double[] Curve)> charges)
    {
        ArgumentNullException.ThrowIfNull(charges);
        lock (_gate)
        {
            using var transaction = Transaction();
            var ledger = Prepared(
                "INSERT INTO privacy (device_id, rdp, updates) VALUES ($device, $rdp, 1) ON CONFLICT(device_id) DO UPDATE SET rdp = excluded.rdp, updates = updates + 1;",
                transaction,
                "$device", "$rdp");
            foreach (var (device, curve) in charges)
            {
                ledger.Parameters[0].Value = device;
                ledger.Parameters[1].Value = System.Runtime.InteropServices.MemoryMarshal.AsBytes(curve.AsSpan()).ToArray();
                ledger.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>The buffered updates in the order they were accepted.</summary>
    public IReadOnlyList<BufferedUpdate> Buffer()
    {
        lock (_gate)
        {
            using var command = Command("SELECT update_id, device_id, base_version, received_at, sample_count, message FROM buffer ORDER BY seq;");
            using var reader = command.ExecuteReader();
            var list = new List<BufferedUpdate>();
            while (reader.Read())
            {
                list.Add(new BufferedUpdate(
                    (byte[])reader[0], reader.GetString(1), reader.GetInt64(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.GetInt64(4), (byte[])reader[5]));
            }

            return list;
        }
    }

    /// <summary>Number of buffered updates.</summary>
    public int BufferCount()
    {
        lock (_gate)
        {
            using var command = Command("SELECT COUNT(*) FROM buffer;");
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// Atomically stores a new model and removes the buffered updates it consumed (and any the
    /// strategy dropped as too stale). Older model versions beyond <paramref name="keepVersions"/> are pruned.
    /// </summary>
    public void CommitModel(StoredModel model, IEnumerable<byte[]> consumedUpdateIds, int keepVersions = 4)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(consumedUpdateIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepVersions, 1);
        lock (_gate)
        {
            using var transaction = Transaction();
            using (var insert = Command("INSERT INTO model (version, created_at, parameters, signed) VALUES ($v, $at, $p, $s);", transaction))
            {
                insert.Parameters.AddWithValue("$v", model.Version);
                insert.Parameters.AddWithValue("$at", model.CreatedAt.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$p", model.Parameters);
                insert.Parameters.AddWithValue("$s", model.SignedMessage);
                insert.ExecuteNonQuery();
            }

            using (var delete = Command("DELETE FROM buffer WHERE update_id = $id;", transaction))
            {
                var id = delete.Parameters.Add("$id", SqliteType.Blob);
                foreach (byte[] updateId in consumedUpdateIds)
                {
                    id.Value = updateId;
                    delete.ExecuteNonQuery();
                }
            }

            using (var prune = Command("DELETE FROM model WHERE version <= $v;", transaction))
            {
                prune.Parameters.AddWithValue("$v", model.Version - keepVersions);
                prune.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>Removes buffered updates that will not be aggregated (an abandoned FedAvg round); their ids stay seen.</summary>
    public void Discard(IEnumerable<byte[]> updateIds)
    {
        ArgumentNullException.ThrowIfNull(updateIds);
        lock (_gate)
        {
            using var transaction = Transaction();
            using var delete = Command("DELETE FROM buffer WHERE update_id = $id;", transaction);
            var id = delete.Parameters.Add("$id", SqliteType.Blob);
            foreach (byte[] updateId in updateIds)
            {
                id.Value = updateId;
                delete.ExecuteNonQuery();
            }

            transaction.Commit();
        }
    }

    /// <summary>Forgets seen update ids older than <paramref name="olderThan"/> (redeliveries come within minutes; the table must not grow forever).</summary>
    public int PruneSeen(DateTimeOffset olderThan)
    {
        lock (_gate)
        {
            using var command = Command("DELETE FROM seen WHERE received_at < $at AND update_id NOT IN (SELECT update_id FROM buffer);");
            command.Parameters.AddWithValue("$at", olderThan.ToUnixTimeMilliseconds());
            int removed = command.ExecuteNonQuery();
            _seenRows -= removed;
            return removed;
        }
    }

    /// <summary>
    /// Bounds the duplicate-id store: forgets ids of updates trained from a version below <paramref name="oldestBaseVersion"/>
    /// (a redelivery of one is refused as too stale, never aggregated again), then, beyond <paramref name="maxIds"/>, the
    /// oldest accepted. Ids still buffered are kept. Returns how many were forgotten.
    /// </summary>
    public int PruneSeen(long oldestBaseVersion, int maxIds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIds, 1);
        lock (_gate)
        {
            try
            {
                using var transaction = Transaction();
                long rows = SeenRows(transaction);
                var window = Prepared("DELETE FROM seen WHERE base_version < $v AND update_id NOT IN (SELECT update_id FROM buffer);", transaction, "$v");
                window.Parameters[0].Value = oldestBaseVersion;
                int removed = window.ExecuteNonQuery();
                _seenRows = rows - removed;

                // the size bound forgets only when the table holds more than maxIds ids (buffered ones included), so it
                // need not be run — a scan of the table — while it does not
                if (_seenRows > maxIds)
                {
                    var size = Prepared(
                        "DELETE FROM seen WHERE rowid IN (SELECT rowid FROM seen WHERE update_id NOT IN (SELECT update_id FROM buffer) ORDER BY rowid DESC LIMIT -1 OFFSET $max);",
                        transaction,
                        "$max");
                    size.Parameters[0].Value = maxIds;
                    int forgotten = size.ExecuteNonQuery();
                    removed += forgotten;
                    _seenRows -= forgotten;
                }

                transaction.Commit();
                return removed;
            }
            catch
            {
                _seenRows = null;
                throw;
            }
        }
    }

    /// <summary>
    /// Counts one update of <paramref name="device"/> against <paramref name="limit"/> per fixed window of
    /// <paramref name="window"/> starting at its first update, persisted so a restart does not reset it. Returns false,
    /// counting nothing more, when the window is full.
    /// </summary>
    public bool TryCountUpdate(string device, DateTimeOffset now, TimeSpan window, int limit)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (_gate)
        {
            using var transaction = Transaction();
            long start = now.ToUnixTimeMilliseconds();
            long count = 0;
            var read = Prepared("SELECT window_start, count FROM rate WHERE device_id = $device;", transaction, "$device");
            read.Parameters[0].Value = device;
            using (var reader = read.ExecuteReader())
            {
                if (reader.Read() && start - reader.GetInt64(0) < (long)window.TotalMilliseconds && start >= reader.GetInt64(0))
                {
                    start = reader.GetInt64(0);
                    count = reader.GetInt64(1);
                }
            }

            if (count >= limit)
            {
                return false;
            }

            var write = Prepared(
                "INSERT INTO rate (device_id, window_start, count) VALUES ($device, $start, $count) ON CONFLICT(device_id) DO UPDATE SET window_start = excluded.window_start, count = excluded.count;",
                transaction,
                "$device", "$start", "$count");
            write.Parameters[0].Value = device;
            write.Parameters[1].Value = start;
            write.Parameters[2].Value = count + 1;
            write.ExecuteNonQuery();

            transaction.Commit();
            return true;
        }
    }

    /// <summary>How many update ids the duplicate store holds.</summary>
    public long SeenCount()
    {
        lock (_gate)
        {
            using var command = Command("SELECT COUNT(*) FROM seen;");
            return (long)command.ExecuteScalar()!;
        }
    }

    /// <summary>The rows of `seen`, counted once and then kept by the writes (<see cref="_seenRows"/>).</summary>
    private long SeenRows(ScopedTransaction transaction)
    {
        if (_seenRows is { } known)
        {
            return known;
        }

        var count = Prepared("SELECT COUNT(*) FROM seen;", transaction);
        long rows = (long)count.ExecuteScalar()!;
        _seenRows = rows;
        return rows;
    }

    /// <summary>A small persisted setting (e.g. the FTTE subset), or null.</summary>
    public string? GetMeta(string key)
    {
        lock (_gate)
        {
            using var command = Command("SELECT value FROM meta WHERE key = $k;");
            command.Parameters.AddWithValue("$k", key);
            return command.ExecuteScalar() as string;
        }
    }

    /// <summary>Stores a small setting.</summary>
    public void SetMeta(string key, string value)
    {
        lock (_gate)
        {
            var command = Prepared("INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value;", null, "$k", "$v");
            command.Parameters[0].Value = key;
            command.Parameters[1].Value = value;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Group commit: every change until <see cref="StateBatch.Commit"/> goes into one transaction and
    /// one fsync. The caller acknowledges the messages of the batch only after the commit; a crash
    /// before it loses the whole batch, which the broker then redelivers.
    /// </summary>
    public StateBatch BeginBatch()
    {
        lock (_gate)
        {
            if (_batch is not null)
            {
                throw new InvalidOperationException("A batch is already open.");
            }

            _batch = _connection.BeginTransaction();
            return new StateBatch(this);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _batch?.Dispose();
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        _prepared.Clear();
        _connection.Dispose();
    }

    internal void EndBatch(bool commit)
    {
        lock (_gate)
        {
            if (_batch is null)
            {
                return;
            }

            if (commit)
            {
                try
                {
                    _batch.Commit();
                }
                catch
                {
                    _seenRows = null;
                    throw;
                }
            }
            else
            {
                _batch.Rollback();
                _seenRows = null;
            }

            _batch.Dispose();
            _batch = null;
        }
    }

    /// <summary>A transaction of its own, or a no-op wrapper around the open batch.</summary>
    private ScopedTransaction Transaction() => _batch is null ? new ScopedTransaction(_connection.BeginTransaction(), owned: true) : new ScopedTransaction(_batch, owned: false);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, ScopedTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction?.Inner ?? _batch;
        return command;
    }

    /// <summary>
    /// The cached command for <paramref name="sql"/> (created with its <paramref name="parameters"/>, in that order, at first
    /// use), enlisted in the transaction in force: set every parameter's value before executing it. Not to be disposed.
    /// </summary>
    private SqliteCommand Prepared(string sql, ScopedTransaction? transaction, params ReadOnlySpan<string> parameters)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            foreach (string name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }

            _prepared[sql] = command;
        }

        command.Transaction = transaction?.Inner ?? _batch;
        return command;
    }

    private readonly struct ScopedTransaction(SqliteTransaction inner, bool owned) : IDisposable
    {
        public SqliteTransaction Inner { get; } = inner;

        public void Commit()
        {
            if (owned)
            {
                Inner.Commit();
            }
        }

        public void Dispose()
        {
            if (owned)
            {
                Inner.Dispose();
            }
        }
    }
}
