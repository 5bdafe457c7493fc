using System.Runtime.InteropServices;

namespace FedEdge.Storage;

/// <summary>
/// Replaces a file so that after a crash at any point a reader finds the old contents or the new ones, never a mix and
/// never nothing: write a temporary file beside it, fsync it, rename it over the target, fsync the directory (the rename
/// itself is durable only once the directory entry is; ext4 with data=ordered usually gets there, other file systems and
/// mount options need it said). The one implementation of this for every store in FedEdge.
/// </summary>
public static class AtomicFile
{
    /// <summary>The suffix of the temporary file, beside the target (same directory, so the rename is atomic).</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="contents"/>.</summary>
    public static void Write(string path, ReadOnlySpan<byte> contents)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string temporary = path + TemporarySuffix;
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(contents);
            stream.Flush(flushToDisk: true);
        }

        Commit(temporary, path);
    }

    /// <summary>Atomically replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string temporary = path + TemporarySuffix;
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }

        Commit(temporary, path);
    }

    /// <summary>Atomically copies <paramref name="source"/> over <paramref name="destination"/> (e.g. keeping a previous version).</summary>
    public static void Copy(string source, string destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        string temporary = destination + TemporarySuffix;
        File.Copy(source, temporary, overwrite: true);
        using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            stream.Flush(flushToDisk: true);
        }

        Commit(temporary, destination);
    }

    private static void Commit(string temporary, string path)
    {
        File.Move(temporary, path, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync(2) on the directory, so the rename survives a power cut; a no-op where directories cannot be opened (Windows).</summary>
    private static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        int descriptor = NativeMethods.Open(directory, 0 /* O_RDONLY: a directory opens read-only */);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to make a rename durable (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (NativeMethods.Fsync(descriptor) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = NativeMethods.Close(descriptor);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int Open(string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int descriptor);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int descriptor);
    }
}
