using System.Buffers.Binary;
using System.Security.Cryptography;
using FedEdge.Storage;

namespace FedEdge.Device.Privacy;

/// <summary>
/// The second, independent record of what the privacy ledger holds (<c>privacy.spent</c> beside <c>privacy.ledger</c>):
/// how many records, the chain hash of the last one, and the ε spent then. Rewritten atomically (<see cref="AtomicFile"/>)
/// after every append, so a ledger that lost records (deleted, truncated, a damaged record cut off as if torn, an older copy
/// put back) no longer reaches the witness's count and head, and the ledger refuses to open instead of counting less.
/// </summary>
/// <remarks>
/// File format, 40 bytes little-endian: magic "FLW1" (4) · reserved (4) · records (u64) · chain head (8) ·
/// ε spent at the budget's δ (f64) · first 8 bytes of SHA-256 over bytes 0–31 (8).
/// </remarks>
/// <param name="Records">Records the ledger held when this was written.</param>
/// <param name="ChainHead">The chain hash of record <c>Records − 1</c> (0 for an empty ledger).</param>
/// <param name="EpsilonSpent">ε spent then, at the budget's δ: what a reset carries forward when the ledger is gone.</param>
public sealed record PrivacyLedgerWitness(long Records, ulong ChainHead, double EpsilonSpent)
{
    /// <summary>Size of the file in bytes.</summary>
    public const int Size = 40;

    private const uint Magic = 0x3157_4C46; // "FLW1" little-endian

    /// <summary>The witness of the ledger at <paramref name="ledgerPath"/>: <c>privacy.ledger</c> → <c>privacy.spent</c>.</summary>
    public static string PathFor(string ledgerPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(ledgerPath);
        string directory = Path.GetDirectoryName(Path.GetFullPath(ledgerPath))!;
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(ledgerPath) + ".spent");
    }

    /// <summary>
    /// Reads the witness at <paramref name="path"/>: null with a null <paramref name="problem"/> when there is none,
    /// null with the problem when the file is damaged.
    /// </summary>
    public static PrivacyLedgerWitness? TryRead(string path, out string? problem)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        problem = null;
        if (!File.Exists(path))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[Size];
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None))
        {
            if (file.Length != Size)
            {
                problem = $"'{path}' is {file.Length} bytes, not {Size}";
                return null;
            }

            file.ReadExactly(bytes);
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes[..32], hash);
        long records = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        double epsilon = BinaryPrimitives.ReadDoubleLittleEndian(bytes[24..]);
        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic || !hash[..8].SequenceEqual(bytes[32..])
            || records < 0 || records > PrivacyLedger.MaxEntries || !(epsilon >= 0) || double.IsInfinity(epsilon))
        {
            problem = $"'{path}' is damaged (magic, checksum or values)";
            return null;
        }

        return new PrivacyLedgerWitness(records, BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]), epsilon);
    }

    /// <summary>Replaces the witness at <paramref name="path"/> atomically (temp, fsync, rename, fsync directory).</summary>
    public void Write(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Span<byte> bytes = stackalloc byte[Size];
        bytes.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], (ulong)Records);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], ChainHead);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes[24..], double.IsFinite(EpsilonSpent) ? EpsilonSpent : 0);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes[..32], hash);
        hash[..8].CopyTo(bytes[32..]);
        AtomicFile.Write(path, bytes);
    }
}
