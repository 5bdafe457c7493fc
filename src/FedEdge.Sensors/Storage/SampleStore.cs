using System.Globalization;
using System.Runtime.InteropServices;
using FedEdge.Core.Data;
using Microsoft.Data.Sqlite;

namespace FedEdge.Sensors.Storage;

/// <summary>
/// A bounded on-device store of labelled feature vectors in SQLite (WAL journal, incremental
/// auto-vacuum). Only feature vectors and labels are stored — never raw sensor readings — and the
/// store never leaves the device: training reads it locally and only clipped, noised model updates
/// are sent.
/// </summary>
/// <remarks>
/// <para>Bounds: after each append the oldest rows (by insertion order) are evicted while the row
/// count exceeds <see cref="SampleStoreOptions.MaxRows"/> or the pages in use exceed
/// <see cref="SampleStoreOptions.MaxMegabytes"/>, but never below
/// <see cref="SampleStoreOptions.MinRows"/>. Freed pages are returned to the file system with
/// <c>PRAGMA incremental_vacuum</c>, so the file shrinks too.</para>
/// <para>Rows are (id, time as Unix ms, label, features as little-endian float32 blob). Thread-safe.</para>
/// </remarks>
public sealed class SampleStore : IDisposable
{
    private const int SchemaVersion = 1;

    private readonly Lock _gate = new();
    private readonly SampleStoreOptions _options;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _time;
    private readonly SqliteParameter _label;
    private readonly SqliteParameter _features;
    private readonly long _maxBytes;
    private long _count;
    private bool _disposed;

    /// <summary>Opens or creates the store.</summary>
    /// <exception cref="SampleStoreFormatException">The file holds a store of another shape, or is not a FedEdge store.</exception>
    public SampleStore(SampleStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _maxBytes = (long)(options.MaxMegabytes * 1024 * 1024);
        string fullPath = System.IO.Path.GetFullPath(options.Path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        var builder = new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        _connection = new SqliteConnection(builder.ToString());
        try
        {
            _connection.Open();
            Initialise();
            _insert = _connection.CreateCommand();
            _insert.CommandText = "INSERT INTO samples (time_ms, label, features) VALUES ($time, $label, $features)";
            _time = _insert.Parameters.Add("$time", SqliteType.Integer);
            _label = _insert.Parameters.Add("$label", SqliteType.Integer);
            _features = _insert.Parameters.Add("$features", SqliteType.Blob);
            _count = Scalar("SELECT COUNT(*) FROM samples");
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <summary>Samples held.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Bytes of database pages in use (page count − free pages) × page size.</summary>
    public long SizeBytes
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return UsedBytes();
            }
        }
    }

    /// <summary>Appends one labelled sample, then evicts the oldest samples if over a cap.</summary>
    /// <exception cref="ArgumentException">Wrong feature count, a non-finite feature, or a label out of range; nothing is stored.</exception>
    public void Append(DateTimeOffset time, ReadOnlySpan<float> features, int label)
    {
        if (features.Length != _options.FeatureCount)
        {
            throw new ArgumentException($"A sample has {_options.FeatureCount} features, got {features.Length}.", nameof(features));
        }

        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw new ArgumentException(
                    $"Feature {i} is {features[i].ToString(CultureInfo.InvariantCulture)}; only finite feature vectors are stored (impute a missing sensor before storing).",
                    nameof(features));
            }
        }

        if ((uint)label >= (uint)_options.ClassCount)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"Labels are 0..{_options.ClassCount - 1}.");
        }

        byte[] blob = MemoryMarshal.AsBytes(features).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The sample store writes little-endian float32.");
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _time.Value = time.ToUnixTimeMilliseconds();
            _label.Value = label;
            _features.Value = blob;
            _insert.ExecuteNonQuery();
            _count++;
            Evict();
        }
    }

    /// <summary>All samples, oldest first.</summary>
    public Dataset ReadAll()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Read("SELECT label, features FROM samples ORDER BY id", int.MaxValue, reverse: false);
        }
    }

    /// <summary>The newest <paramref name="count"/> samples (fewer if the store holds fewer), oldest first.</summary>
    public Dataset ReadNewest(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Read("SELECT label, features FROM samples ORDER BY id DESC LIMIT $limit", count, reverse: true);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _insert.Dispose();
            _connection.Dispose();
        }
    }

    private void Initialise()
    {
        // auto_vacuum must be chosen before the first table exists; WAL survives reopen.
        Execute("PRAGMA auto_vacuum = INCREMENTAL");
        Execute("PRAGMA journal_mode = WAL");
        Execute("PRAGMA synchronous = NORMAL");
        Execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
        Execute("CREATE TABLE IF NOT EXISTS samples (id INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, label INTEGER NOT NULL, features BLOB NOT NULL)");
        CheckMeta("schema_version", SchemaVersion);
        CheckMeta("feature_count", _options.FeatureCount);
        CheckMeta("class_count", _options.ClassCount);
    }

    private void CheckMeta(string key, long expected)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO meta (key, value) VALUES ($key, $value); SELECT value FROM meta WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", expected);
        long stored = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (stored != expected)
        {
            throw new SampleStoreFormatException($"Sample store {_options.Path} has {key} = {stored}, but the options say {expected}.");
        }
    }

    private void Evict()
    {
        long overRows = _count - _options.MaxRows;
        if (overRows > 0)
        {
            DeleteOldest(Math.Min(overRows, _count - _options.MinRows));
        }

        // A few rounds: each estimates the rows to drop from the mean row size, then vacuums so the
        // page count reflects the deletion.
        for (int round = 0; round < 8 && _count > _options.MinRows; round++)
        {
            long used = UsedBytes();
            if (used <= _maxBytes)
            {
                break;
            }

            long perRow = Math.Max(1, used / Math.Max(1, _count));
            long rows = Math.Max(1, (used - _maxBytes + perRow - 1) / perRow);
            DeleteOldest(Math.Min(rows, _count - _options.MinRows));
            Execute("PRAGMA incremental_vacuum");
        }
    }

    private void DeleteOldest(long rows)
    {
        if (rows <= 0)
        {
            return;
        }

        using var command = _connection.CreateCommand();
        command.CommandText = "DELETE FROM samples WHERE id IN (SELECT id FROM samples ORDER BY id LIMIT $rows)";
        command.Parameters.AddWithValue("$rows", rows);
        _count -= command.ExecuteNonQuery();
    }

    private long UsedBytes()
    {
        long pages = Scalar("PRAGMA page_count");
        long free = Scalar("PRAGMA freelist_count");
        long pageSize = Scalar("PRAGMA page_size");
        return (pages - free) * pageSize;
    }

    private Dataset Read(string sql, int limit, bool reverse)
    {
        int width = _options.FeatureCount;
        int rows = (int)Math.Min(_count, limit);
        var features = new float[rows * width];
        var labels = new int[rows];
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        int r = 0;
        while (r < rows && reader.Read())
        {
            int row = reverse ? rows - 1 - r : r;
            labels[row] = reader.GetInt32(0);
            var blob = (byte[])reader.GetValue(1);
            if (blob.Length != width * sizeof(float))
            {
                throw new SampleStoreFormatException($"Sample store {_options.Path}: a row has {blob.Length} feature bytes, expected {width * sizeof(float)}.");
            }

            MemoryMarshal.Cast<byte, float>(blob).CopyTo(features.AsSpan(row * width, width));
            r++;
        }

        if (r != rows)
        {
            throw new SampleStoreFormatException($"Sample store {_options.Path}: expected {rows} rows, read {r}.");
        }

        return new Dataset(features, labels, width, _options.ClassCount);
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
