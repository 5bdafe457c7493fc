using FedEdge.Storage;
using System.Globalization;
using System.Text;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Device.Models;

/// <summary>
/// The device's installed global model and the versions it must remember across reboots: the last
/// accepted version (so a replayed old model stays refused after a restart, see ModelVerifier) and
/// the last version it contributed to (so a crash loop does not spend the privacy budget on the
/// same model again).
/// </summary>
/// <remarks>
/// Every file is replaced atomically: written to a temp file, flushed to disk, then renamed over the
/// old one (rename(2) is atomic on one file system), so a power cut leaves either the old or the new
/// file. The model before the current one is kept as <c>previous.model</c> for a manual rollback.
/// </remarks>
public sealed class AcceptedModelStore
{
    /// <summary>Largest model file read back (a GlobalModel is bounded by the wire limits anyway).</summary>
    public const long MaxModelBytes = 64L * 1024 * 1024;

    private readonly string _directory;
    private readonly WireParser _parser = new();

    /// <summary>Opens the store in <paramref name="directory"/> (created if missing).</summary>
    public AcceptedModelStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    /// <summary>Path of the installed model.</summary>
    public string CurrentPath => Path.Combine(_directory, "current.model");

    /// <summary>Path of the model installed before it.</summary>
    public string PreviousPath => Path.Combine(_directory, "previous.model");

    private string AcceptedVersionPath => Path.Combine(_directory, "accepted.version");

    private string ContributedVersionPath => Path.Combine(_directory, "contributed.version");

    /// <summary>The version of the last accepted model (0 = none).</summary>
    public ulong LastAcceptedVersion => ReadVersion(AcceptedVersionPath);

    /// <summary>The last model version an update was enqueued for (0 = none).</summary>
    public ulong LastContributedVersion => ReadVersion(ContributedVersionPath);

    /// <summary>The installed model, or null when none is installed or the file does not parse.</summary>
    public GlobalModel? LoadCurrent()
    {
        var file = new FileInfo(CurrentPath);
        if (!file.Exists || file.Length > MaxModelBytes)
        {
            return null;
        }

        return _parser.ParseGlobalModel(File.ReadAllBytes(file.FullName)).TryGet(out var model, out _) ? model : null;
    }

    /// <summary>Installs a verified model: keeps the current one as previous, swaps the new one in, then records its version.</summary>
    public void Install(GlobalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (File.Exists(CurrentPath))
        {
            AtomicFile.Copy(CurrentPath, PreviousPath);
        }

        AtomicFile.Write(CurrentPath, model.ToByteArray());
        AtomicFile.Write(AcceptedVersionPath, Encoding.ASCII.GetBytes(model.Version.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Records that an update for <paramref name="version"/> was enqueued.</summary>
    public void RecordContribution(ulong version) =>
        AtomicFile.Write(ContributedVersionPath, Encoding.ASCII.GetBytes(version.ToString(CultureInfo.InvariantCulture)));

    private static ulong ReadVersion(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        string text = File.ReadAllText(path, Encoding.ASCII).Trim();
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong version)
            ? version
            : throw new InvalidDataException($"'{path}' holds '{text}', not a model version; remove it only if you accept re-opening the rollback window.");
    }
}
