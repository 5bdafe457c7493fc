using FedEdge.Storage;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;

namespace FedEdge.Device.Personalization;

/// <summary>
/// Keeps the device's personal model on disk next to the global model
/// (<c>personal.model</c> beside <c>current.model</c>), so it survives restarts.
/// </summary>
/// <remarks>
/// <para>Format (little-endian): magic <c>FEDGEPRS</c>, u32 format version (1), u32 metadata length,
/// UTF-8 JSON metadata <c>{"mode","architecture","base_version","local_steps","tensors":[{"name","shape"}]}</c>,
/// then every tensor's float32 values in metadata order, then the SHA-256 of everything before it.</para>
/// <para>Saving writes a temp file, flushes it to disk and renames it over the old one (rename(2) is
/// atomic on one file system), after keeping the old file as <c>personal.previous</c>; a power cut
/// leaves the old or the new file, never a mix. A file that fails any check raises
/// <see cref="PersonalModelCorruptException"/> and stays untouched. Nothing here logs; parameter
/// values never appear in messages.</para>
/// </remarks>
public sealed class PersonalModelStore
{
    /// <summary>Largest personal model file read back.</summary>
    public const long MaxBytes = 64L * 1024 * 1024;

    /// <summary>The current format version.</summary>
    public const uint FormatVersion = 1;

    private const int MaxMetadataBytes = 64 * 1024;
    private const int HashLength = 32;
    private static ReadOnlySpan<byte> Magic => "FEDGEPRS"u8;

    /// <summary>Opens the store in <paramref name="directory"/> (created if missing) — the agent passes its model directory.</summary>
    public PersonalModelStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        CurrentPath = Path.Combine(directory, "personal.model");
        PreviousPath = Path.Combine(directory, "personal.previous");
    }

    /// <summary>Path of the stored personal model.</summary>
    public string CurrentPath { get; }

    /// <summary>Path of the one saved before it.</summary>
    public string PreviousPath { get; }

    /// <summary>Whether a personal model file exists.</summary>
    public bool Exists => File.Exists(CurrentPath);

    /// <summary>Saves <paramref name="model"/> atomically, keeping the file it replaces as <see cref="PreviousPath"/>.</summary>
    public void Save(PersonalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        byte[] bytes = Serialize(model);
        if (File.Exists(CurrentPath))
        {
            AtomicFile.Copy(CurrentPath, PreviousPath);
        }

        AtomicFile.Write(CurrentPath, bytes);
    }

    /// <summary>The stored personal model, or null when none was saved.</summary>
    /// <exception cref="PersonalModelCorruptException">The file exists but fails a check; it is left in place.</exception>
    public PersonalModel? Load() => LoadFrom(CurrentPath);

    /// <summary>The personal model saved before the current one, or null (for recovery after a corrupt current file).</summary>
    /// <exception cref="PersonalModelCorruptException">That file fails a check too.</exception>
    public PersonalModel? LoadPrevious() => LoadFrom(PreviousPath);

    /// <summary>The file format's bytes for <paramref name="model"/>.</summary>
    public static byte[] Serialize(PersonalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        byte[] metadata = MetadataJson(model);
        var layout = model.Parameters.Layout;
        int length = Magic.Length + 4 + 4 + metadata.Length + (4 * layout.TotalLength) + HashLength;
        byte[] bytes = new byte[length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        int at = Magic.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 4)..], (uint)metadata.Length);
        at += 8;
        metadata.CopyTo(span[at..]);
        at += metadata.Length;
        foreach (float value in model.Parameters.AsSpan())
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[at..], value);
            at += 4;
        }

        SHA256.HashData(span[..at], span[at..]);
        return bytes;
    }

    /// <summary>Parses the file format; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="PersonalModelCorruptException">The bytes are not a valid personal model.</exception>
    public static PersonalModel Deserialize(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < Magic.Length + 8 + HashLength || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw Corrupt(source, "it does not start with the FEDGEPRS header (not a personal model, or truncated)");
        }

        Span<byte> hash = stackalloc byte[HashLength];
        SHA256.HashData(bytes[..^HashLength], hash);
        if (!hash.SequenceEqual(bytes[^HashLength..]))
        {
            throw Corrupt(source, "its SHA-256 checksum does not match (truncated or damaged)");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[Magic.Length..]);
        if (version != FormatVersion)
        {
            throw Corrupt(source, $"format version {version} is not supported (expected {FormatVersion})");
        }

        uint metadataLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(Magic.Length + 4)..]);
        int at = Magic.Length + 8;
        if (metadataLength > MaxMetadataBytes || metadataLength > bytes.Length - at - HashLength)
        {
            throw Corrupt(source, $"the metadata length {metadataLength} exceeds the file or the {MaxMetadataBytes}-byte bound");
        }

        var (mode, architecture, baseVersion, localSteps, stored) = ParseMetadata(bytes.Slice(at, (int)metadataLength), source);
        at += (int)metadataLength;

        ParameterLayout expected;
        try
        {
            expected = architecture.Layout.Subset(PersonalModel.PersonalTensors(architecture, mode));
        }
        catch (ArgumentException ex)
        {
            throw Corrupt(source, ex.Message);
        }

        if (!expected.Equals(stored))
        {
            throw Corrupt(source, $"a {mode} personal model of {architecture} has tensors [{expected}], the file lists [{stored}]");
        }

        int payload = bytes.Length - at - HashLength;
        if (payload != 4L * expected.TotalLength)
        {
            throw Corrupt(source, $"it holds {payload} bytes of tensor data, the layout needs {4L * expected.TotalLength}");
        }

        var parameters = new ParameterSet(expected);
        var values = parameters.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(at + (4 * i))..]);
            if (!float.IsFinite(values[i]))
            {
                throw Corrupt(source, $"element {i} is not finite");
            }
        }

        return PersonalModel.FromParameters(mode, architecture, baseVersion, localSteps, parameters);
    }

    private static PersonalModel? LoadFrom(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return null;
        }

        if (file.Length > MaxBytes)
        {
            throw Corrupt(path, $"it is {file.Length} bytes, above the {MaxBytes}-byte bound");
        }

        return Deserialize(File.ReadAllBytes(path), path);
    }

    private static byte[] MetadataJson(PersonalModel model)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("mode", model.Mode.ToString().ToLowerInvariant());
            json.WriteString("architecture", model.Architecture.ToString());
            json.WriteString("base_version", model.BaseVersion.ToString(CultureInfo.InvariantCulture));
            json.WriteNumber("local_steps", model.LocalSteps);
            json.WriteStartArray("tensors");
            foreach (var spec in model.Parameters.Layout.Tensors)
            {
                json.WriteStartObject();
                json.WriteString("name", spec.Name);
                json.WriteStartArray("shape");
                foreach (int d in spec.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static (PersonalizationMode Mode, ModelArchitecture Architecture, ulong BaseVersion, long LocalSteps, ParameterLayout Layout) ParseMetadata(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            string modeText = root.GetProperty("mode").GetString() ?? string.Empty;
            var mode = modeText switch
            {
                "head" => PersonalizationMode.Head,
                "ditto" => PersonalizationMode.Ditto,
                _ => throw Corrupt(source, $"mode '{modeText}' is not 'head' or 'ditto'"),
            };
            var architecture = ModelArchitecture.Parse(root.GetProperty("architecture").GetString() ?? string.Empty);
            string versionText = root.GetProperty("base_version").GetString() ?? string.Empty;
            if (!ulong.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong baseVersion))
            {
                throw Corrupt(source, $"base_version '{versionText}' is not a model version");
            }

            long localSteps = root.GetProperty("local_steps").GetInt64();
            if (localSteps < 0)
            {
                throw Corrupt(source, "local_steps is negative");
            }

            var specs = new List<TensorSpec>();
            foreach (var tensor in root.GetProperty("tensors").EnumerateArray())
            {
                if (specs.Count >= architecture.Layout.Count)
                {
                    throw Corrupt(source, $"it lists more tensors than {architecture} has");
                }

                int[] shape = tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                specs.Add(new TensorSpec(tensor.GetProperty("name").GetString() ?? string.Empty, shape));
            }

            if (specs.Count == 0)
            {
                throw Corrupt(source, "it lists no tensors");
            }

            return (mode, architecture, baseVersion, localSteps, new ParameterLayout(specs));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw Corrupt(source, $"its metadata is malformed ({ex.Message})", ex);
        }
    }

    private static PersonalModelCorruptException Corrupt(string source, string reason, Exception? inner = null)
    {
        string message = $"Personal model '{source}' is unreadable: {reason}. The file was left untouched; re-initialise from the global model or restore the previous file.";
        return inner is null ? new PersonalModelCorruptException(message) : new PersonalModelCorruptException(message, inner);
    }
}
