using System.Text;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace FedEdge.Protocol.Outbox;

/// <summary>
/// Durable, bounded queue of outgoing messages in SQLite. An entry is written with WAL and synchronous=FULL, so once
/// <see cref="EnqueueAsync"/> returned it survives a crash or power cut; it leaves the outbox only through
/// <see cref="RemoveAsync"/>, which <see cref="OutboxPublisher"/> calls after the broker's PUBACK.
/// </summary>
/// <remarks>
/// The 16-byte update id is the entry's unique key (enqueueing it again is a no-op); an AUTOINCREMENT sequence gives
/// strict oldest-first order. One instance per database file; all calls are serialised on one connection, which
/// <see cref="Release"/> closes until the next call reopens it (a fleet simulator holds thousands of idle outboxes).
/// </remarks>
public sealed class SqliteOutbox : IDisposable
{
    /// <summary>Length of an update id in bytes.</summary>
    public const int UpdateIdLength = 16;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            size INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0);
        """;

    private readonly OutboxOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Channel<bool> _enqueued = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private SqliteConnection? _connection;

    private SqliteOutbox(SqliteConnection connection, OutboxOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Opens (or creates) the outbox database and reports how much is waiting in it.</summary>
    public static SqliteOutbox Open(OutboxOptions options, TimeProvider timeProvider, ILogger<SqliteOutbox> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        var outbox = new SqliteOutbox(Connect(options.DatabasePath), options, timeProvider, logger);
        var usage = outbox.ReadUsage(null);
        logger.Opened(options.DatabasePath, usage.Entries, usage.Bytes);
        return outbox;
    }

    /// <summary>
    /// Stores an entry durably. Returns <see cref="EnqueueOutcome.AlreadyPresent"/> if the update id is already
    /// waiting; throws <see cref="OutboxFullException"/> (and stores nothing) when the entry would exceed a bound.
    /// </summary>
    public async Task<EnqueueOutcome> EnqueueAsync(ReadOnlyMemory<byte> updateId, string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        CheckUpdateId(updateId.Span);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        long size = payload.Length + Encoding.UTF8.GetByteCount(topic);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // BEGIN IMMEDIATE: the bound check and the insert see the same state even if another process writes.
            using var transaction = Connection().BeginTransaction(deferred: false);
            using (var exists = Command("SELECT 1 FROM outbox WHERE id = $id;", transaction))
            {
                exists.Parameters.AddWithValue("$id", updateId.ToArray());
                if (exists.ExecuteScalar() is not null)
                {
                    return EnqueueOutcome.AlreadyPresent;
                }
            }

            var usage = ReadUsage(transaction);
            if (usage.Entries + 1 > _options.MaxEntries || usage.Bytes + size > _options.MaxBytes)
            {
                _logger.Full(_options.DatabasePath, usage.Entries, usage.Bytes, Convert.ToHexString(updateId.Span));
                throw new OutboxFullException(_options.DatabasePath, usage, _options.MaxEntries, _options.MaxBytes, size);
            }

            using (var insert = Command("INSERT INTO outbox (id, topic, payload, size, created_at) VALUES ($id, $topic, $payload, $size, $created);", transaction))
            {
                insert.Parameters.AddWithValue("$id", updateId.ToArray());
                insert.Parameters.AddWithValue("$topic", topic);
                insert.Parameters.AddWithValue("$payload", payload.ToArray());
                insert.Parameters.AddWithValue("$size", size);
                insert.Parameters.AddWithValue("$created", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        finally
        {
            _lock.Release();
        }

        _enqueued.Writer.TryWrite(true);
        return EnqueueOutcome.Stored;
    }

    /// <summary>Up to <paramref name="maxCount"/> entries in insertion order, starting after <paramref name="afterSequence"/>.</summary>
    internal async Task<IReadOnlyList<OutboxEntry>> ReadOldestAsync(long afterSequence, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var select = Command("SELECT seq, id, topic, payload, created_at, attempts FROM outbox WHERE seq > $after ORDER BY seq LIMIT $limit;", null);
            select.Parameters.AddWithValue("$after", afterSequence);
            select.Parameters.AddWithValue("$limit", maxCount);
            using var reader = select.ExecuteReader();
            var entries = new List<OutboxEntry>(Math.Min(maxCount, 64));
            while (reader.Read())
            {
                entries.Add(new OutboxEntry(
                    (byte[])reader.GetValue(1),
                    reader.GetString(2),
                    (byte[])reader.GetValue(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    reader.GetInt32(5))
                { Sequence = reader.GetInt64(0) });
            }

            return entries;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Up to <paramref name="maxCount"/> of the oldest entries.</summary>
    public Task<IReadOnlyList<OutboxEntry>> PeekOldestAsync(int maxCount, CancellationToken cancellationToken) =>
        ReadOldestAsync(0, maxCount, cancellationToken);

    /// <summary>Deletes the entry with this update id (after its PUBACK). Returns false if it was not there.</summary>
    public Task<bool> RemoveAsync(ReadOnlyMemory<byte> updateId, CancellationToken cancellationToken) =>
        ChangeAsync("DELETE FROM outbox WHERE id = $id;", updateId, cancellationToken);

    /// <summary>Counts one failed publish attempt of the entry.</summary>
    public Task<bool> RecordFailedAttemptAsync(ReadOnlyMemory<byte> updateId, CancellationToken cancellationToken) =>
        ChangeAsync("UPDATE outbox SET attempts = attempts + 1 WHERE id = $id;", updateId, cancellationToken);

    /// <summary>Entries and bytes waiting.</summary>
    public async Task<OutboxUsage> GetUsageAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ReadUsage(null);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Entries and bytes waiting in the outbox database at <paramref name="databasePath"/>, for a person or a tool
    /// looking at a device (<c>fededge-agent status</c>) while its agent may be running: a read-only connection
    /// (a WAL reader takes no lock a writer waits for), no schema created, and no file created when there is none
    /// (then nothing is waiting).
    /// </summary>
    /// <exception cref="SqliteException">The file is not an outbox database.</exception>
    public static OutboxUsage InspectUsage(string databasePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        if (!File.Exists(databasePath))
        {
            return default;
        }

        // A WAL reader needs the -wal and -shm files: while the owner runs they exist and are shared. After a clean
        // close they are gone, and a read-only connection would create them — owned by whoever inspects (root, say),
        // which can lock the agent's own user out of its outbox. Without a -wal file every committed entry is in the
        // main file, so it is read as immutable: no locks, no side files.
        bool ownerActive = File.Exists(databasePath + "-wal");
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = ownerActive ? databasePath : new Uri(Path.GetFullPath(databasePath)).AbsoluteUri + "?immutable=1",
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox;";
        using var reader = command.ExecuteReader();
        reader.Read();
        return new OutboxUsage(reader.GetInt32(0), reader.GetInt64(1));
    }

    /// <summary>Completes when an entry is enqueued by this instance or after <paramref name="maxWait"/>.</summary>
    internal async Task WaitForEnqueueAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(maxWait, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _enqueued.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Poll interval elapsed: look at the database anyway (another process may have written to it).
        }
    }

    /// <summary>
    /// Closes the connection (its page cache, WAL index mapping and three file descriptors) until the next call, which
    /// reopens it; entries stay on disk. Waits for a call in progress. Nothing of the product calls this: a device keeps
    /// its one outbox open; the simulator releases the outboxes of devices that are idle.
    /// </summary>
    public void Release()
    {
        _lock.Wait();
        try
        {
            _connection?.Dispose();
            _connection = null;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Whether the connection is open (false after <see cref="Release"/> until the next call).</summary>
    public bool IsOpen => _connection is not null;

    /// <summary>Closes the database; entries stay on disk.</summary>
    public void Dispose()
    {
        _connection?.Dispose();
        _connection = null;
        _lock.Dispose();
    }

    private static SqliteConnection Connect(string databasePath)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false, // release the file on Dispose, so a restarted process (or a test) can reopen it at once
            DefaultTimeout = 30,
        }.ToString();
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, "PRAGMA synchronous = FULL;");
            Execute(connection, "PRAGMA busy_timeout = 5000;");
            Execute(connection, Schema);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
    }

    private async Task<bool> ChangeAsync(string sql, ReadOnlyMemory<byte> updateId, CancellationToken cancellationToken)
    {
        CheckUpdateId(updateId.Span);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = Command(sql, null);
            command.Parameters.AddWithValue("$id", updateId.ToArray());
            return command.ExecuteNonQuery() > 0;
        }
        finally
        {
            _lock.Release();
        }
    }

    private OutboxUsage ReadUsage(SqliteTransaction? transaction)
    {
        using var command = Command("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM outbox;", transaction);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new OutboxUsage(reader.GetInt32(0), reader.GetInt64(1));
    }

    /// <summary>The open connection, reopened after <see cref="Release"/>; called under the lock.</summary>
    private SqliteConnection Connection() => _connection ??= Connect(_options.DatabasePath);

    private SqliteCommand Command(string sql, SqliteTransaction? transaction)
    {
        var command = Connection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void CheckUpdateId(ReadOnlySpan<byte> updateId)
    {
        if (updateId.Length != UpdateIdLength)
        {
            throw new ArgumentException($"An update id has {UpdateIdLength} bytes, got {updateId.Length}.", nameof(updateId));
        }
    }
}
