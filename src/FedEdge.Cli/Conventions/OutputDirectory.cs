namespace FedEdge.Cli.Conventions;

/// <summary>
/// Checks, before any work, that an output directory can be written: a run that trains for an hour
/// and then cannot save its results has wasted the hour.
/// </summary>
internal static class OutputDirectory
{
    /// <summary>
    /// Creates <paramref name="path"/> if needed, then writes and removes a probe file in it. Writing
    /// is the only reliable test: permission bits do not show a read-only mount, /proc or a parent that
    /// is a file, and root passes every permission check.
    /// </summary>
    /// <returns>The full path.</returns>
    /// <exception cref="UsageException">The directory cannot be created or written; the message names <paramref name="flag"/>.</exception>
    public static string EnsureWritable(string flag, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(flag);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".fededge-write-probe-{Path.GetRandomFileName()}");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose))
            {
            }

            return full;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{flag} {full}: cannot write there ({ex.Message.ReplaceLineEndings(" ")})", ex);
        }
    }
}
