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
/// <para>Format (little-endian): magic <c>FEDGEPRS</c>, u32 format version (2), u32 metadata length,
/// UTF-8 JSON metadata <c>{"served","models":[{"mode","lambda","architecture","base_version","local_steps","tensors":[{"name","shape"}]}]}</c>
/// (<c>served</c>: index of the served model, −1 for the global model; an optional <c>"saw_validation": true</c>
/// marks <see cref="PersonalModelSet.SawValidationSamples"/>, absent = false), then every model's tensors'
/// float32 values in metadata order, then the SHA-256 of everything before it.</para>
/// <para>Format 1 (one model, the metadata object without <c>served</c>, <c>models</c> and <c>lambda</c>)
/// still loads, as a set of that one model serving the global model until the next choice; a Ditto
/// model of format 1 is given λ = 0.1, the only default there was. A newer format is refused with a
/// <see cref="PersonalModelCorruptException"/> naming both versions.</para>
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
    public const uint FormatVersion = 2;

    /// <summary>The single-model format written before Auto mode; still read.</summary>
    public const uint SingleModelFormatVersion = 1;

    /// <summary>At most this many models in one file.</summary>
    public const int MaxModels = 32;

    private const float FormatOneDittoLambda = 0.1f;

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

    /// <summary>Saves <paramref name="model"/> (as a set of one, serving the global model) atomically, keeping the file it replaces as <see cref="PreviousPath"/>.</summary>
    public void Save(PersonalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Save(new PersonalModelSet([model]));
    }

    /// <summary>Saves <paramref name="set"/> (its models and which one is served) atomically, keeping the file it replaces as <see cref="PreviousPath"/>.</summary>
    public void Save(PersonalModelSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        byte[] bytes = Serialize(set);
        if (File.Exists(CurrentPath))
        {
            AtomicFile.Copy(CurrentPath, PreviousPath);
        }

        AtomicFile.Write(CurrentPath, bytes);
    }

    /// <summary>The stored personal model (the served one of a set, else its first), or null when none was saved.</summary>
    /// <exception cref="PersonalModelCorruptException">The file exists but fails a check; it is left in place.</exception>
    public PersonalModel? Load() => Primary(LoadFrom(CurrentPath));

    /// <summary>The stored personal models and the served choice, or null when none was saved.</summary>
    /// <exception cref="PersonalModelCorruptException">The file exists but fails a check; it is left in place.</exception>
    public PersonalModelSet? LoadSet() => LoadFrom(CurrentPath);

    /// <summary>The personal model saved before the current one, or null (for recovery after a corrupt current file).</summary>
    /// <exception cref="PersonalModelCorruptException">That file fails a check too.</exception>
    public PersonalModel? LoadPrevious() => Primary(LoadFrom(PreviousPath));

    /// <summary>The set saved before the current one, or null (for recovery after a corrupt current file).</summary>
    /// <exception cref="PersonalModelCorruptException">That file fails a check too.</exception>
    public PersonalModelSet? LoadPreviousSet() => LoadFrom(PreviousPath);

    /// <summary>The file format's bytes for <paramref name="model"/> (a set of one, serving the global model).</summary>
    public static byte[] Serialize(PersonalModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Serialize(new PersonalModelSet([model]));
    }

    /// <summary>The file format's bytes for <paramref name="set"/>.</summary>
    public static byte[] Serialize(PersonalModelSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        byte[] metadata = MetadataJson(set);
        long values = 0;
        foreach (var model in set.Models)
        {
            values += model.Parameters.Layout.TotalLength;
        }

        int length = checked((int)(Magic.Length + 4 + 4 + metadata.Length + (4 * values) + HashLength));
        byte[] bytes = new byte[length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        int at = Magic.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 4)..], (uint)metadata.Length);
        at += 8;
        metadata.CopyTo(span[at..]);
        at += metadata.Length;
        foreach (var model in set.Models)
        {
            foreach (float value in model.Parameters.AsSpan())
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[at..], value);
                at += 4;
            }
        }

        SHA256.HashData(span[..at], span[at..]);
        return bytes;
    }

    /// <summary>Parses the file format and returns its served model, or its first; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="PersonalModelCorruptException">The bytes are not a valid personal model.</exception>
    public static PersonalModel Deserialize(ReadOnlySpan<byte> bytes, string source) => Primary(DeserializeSet(bytes, source))!;

    /// <summary>Parses the file format (version 2, or version 1 as a set of one); <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="PersonalModelCorruptException">The bytes are not a valid personal model set.</exception>
    public static PersonalModelSet DeserializeSet(ReadOnlySpan<byte> bytes, string source)
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
        if (version is not FormatVersion and not SingleModelFormatVersion)
        {
            throw Corrupt(source, $"format version {version} is not supported (this agent reads {SingleModelFormatVersion} and {FormatVersion}; a newer agent wrote it)");
        }

        uint metadataLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(Magic.Length + 4)..]);
        int at = Magic.Length + 8;
        if (metadataLength > MaxMetadataBytes || metadataLength > bytes.Length - at - HashLength)
        {
            throw Corrupt(source, $"the metadata length {metadataLength} exceeds the file or the {MaxMetadataBytes}-byte bound");
        }

        var (entries, served, sawValidation) = ParseMetadata(bytes.Slice(at, (int)metadataLength), version, source);
        at += (int)metadataLength;

        long needed = 0;
        var layouts = new ParameterLayout[entries.Count];
        for (int m = 0; m < entries.Count; m++)
        {
            var entry = entries[m];
            try
            {
                layouts[m] = entry.Architecture.Layout.Subset(PersonalModel.PersonalTensors(entry.Architecture, entry.Mode));
            }
            catch (ArgumentException ex)
            {
                throw Corrupt(source, ex.Message);
            }

            if (!layouts[m].Equals(entry.Layout))
            {
                throw Corrupt(source, $"a {entry.Mode} personal model of {entry.Architecture} has tensors [{layouts[m]}], the file lists [{entry.Layout}]");
            }

            needed += 4L * layouts[m].TotalLength;
        }

        int payload = bytes.Length - at - HashLength;
        if (payload != needed)
        {
            throw Corrupt(source, $"it holds {payload} bytes of tensor data, the layout needs {needed}");
        }

        var models = new PersonalModel[entries.Count];
        for (int m = 0; m < entries.Count; m++)
        {
            var parameters = new ParameterSet(layouts[m]);
            var values = parameters.AsSpan();
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(at + (4 * i))..]);
                if (!float.IsFinite(values[i]))
                {
                    throw Corrupt(source, $"element {i} of model {m} is not finite");
                }
            }

            at += 4 * values.Length;
            var entry = entries[m];
            models[m] = PersonalModel.FromParameters(entry.Mode, entry.Architecture, entry.BaseVersion, entry.LocalSteps, parameters, entry.Lambda);
        }

        try
        {
            return new PersonalModelSet(models, served) { SawValidationSamples = sawValidation };
        }
        catch (ArgumentException ex)
        {
            throw Corrupt(source, ex.Message, ex);
        }
    }

    private static PersonalModel? Primary(PersonalModelSet? set) => set is null ? null : set.ServedModel ?? set.Models[0];

    private static PersonalModelSet? LoadFrom(string path)
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

        return DeserializeSet(File.ReadAllBytes(path), path);
    }

    private static byte[] MetadataJson(PersonalModelSet set)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("served", set.Served);
            if (set.SawValidationSamples)
            {
                // written only when true: files of sets chosen on the validation split stay as before
                json.WriteBoolean("saw_validation", true);
            }

            json.WriteStartArray("models");
            foreach (var model in set.Models)
            {
                json.WriteStartObject();
                json.WriteString("mode", ModeName(model.Mode));
                json.WriteNumber("lambda", model.ProximalLambda);
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

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string ModeName(PersonalizationMode mode) => mode switch
    {
        PersonalizationMode.Head => "head",
        PersonalizationMode.Ditto => "ditto",
        PersonalizationMode.LocalOnly => "local-only",
        _ => throw new ArgumentException($"Mode {mode} has no personal model.", nameof(mode)),
    };

    private sealed record Entry(PersonalizationMode Mode, float Lambda, ModelArchitecture Architecture, ulong BaseVersion, long LocalSteps, ParameterLayout Layout);

    private static (List<Entry> Entries, int Served, bool SawValidation) ParseMetadata(ReadOnlySpan<byte> json, uint version, string source)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var entries = new List<Entry>();
            if (version == SingleModelFormatVersion)
            {
                entries.Add(ParseEntry(root, version, source));
                return (entries, PersonalModelSet.GlobalServed, false);
            }

            foreach (var model in root.GetProperty("models").EnumerateArray())
            {
                if (entries.Count >= MaxModels)
                {
                    throw Corrupt(source, $"it lists more than {MaxModels} models");
                }

                entries.Add(ParseEntry(model, version, source));
            }

            if (entries.Count == 0)
            {
                throw Corrupt(source, "it lists no models");
            }

            int served = root.GetProperty("served").GetInt32();
            if (served < PersonalModelSet.GlobalServed || served >= entries.Count)
            {
                throw Corrupt(source, $"served index {served} is outside −1..{entries.Count - 1}");
            }

            bool sawValidation = root.TryGetProperty("saw_validation", out var saw) && saw.GetBoolean();
            return (entries, served, sawValidation);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw Corrupt(source, $"its metadata is malformed ({ex.Message})", ex);
        }
    }

    private static Entry ParseEntry(JsonElement root, uint version, string source)
    {
        string modeText = root.GetProperty("mode").GetString() ?? string.Empty;
        var mode = modeText switch
        {
            "head" => PersonalizationMode.Head,
            "ditto" => PersonalizationMode.Ditto,
            "local-only" when version >= FormatVersion => PersonalizationMode.LocalOnly,
            _ => throw Corrupt(source, $"mode '{modeText}' is not 'head', 'ditto' or 'local-only'"),
        };
        float lambda = version == SingleModelFormatVersion
            ? (mode == PersonalizationMode.Ditto ? FormatOneDittoLambda : 0)
            : root.GetProperty("lambda").GetSingle();
        if (!(lambda >= 0) || !float.IsFinite(lambda))
        {
            throw Corrupt(source, "lambda is not a finite value ≥ 0");
        }

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

        return new Entry(mode, lambda, architecture, baseVersion, localSteps, new ParameterLayout(specs));
    }

    private static PersonalModelCorruptException Corrupt(string source, string reason, Exception? inner = null)
    {
        string message = $"Personal model '{source}' is unreadable: {reason}. The file was left untouched; re-initialise from the global model or restore the previous file.";
        return inner is null ? new PersonalModelCorruptException(message) : new PersonalModelCorruptException(message, inner);
    }
}
