using FedEdge.Storage;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;

namespace FedEdge.Onnx.Checkpoints;

/// <summary>
/// Model parameters, optimizer state and the metadata needed to rebuild both, in the FedEdge
/// checkpoint format (docs/checkpoint-format.md): magic, version, JSON metadata, tensors, SHA-256.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Default bound on a checkpoint file's size.</summary>
    public const long DefaultMaxBytes = 256L * 1024 * 1024;

    /// <summary>
    /// The current format version. Version 2 stores the optimizer state prefix-major (every
    /// <c>adam_m.*</c>, then every <c>adam_v.*</c>) so that each state kind is one contiguous vector
    /// in the trainable tensors' order, which the flat optimizer graph reads without copying.
    /// Version 1 (tensor-major: <c>adam_m.W</c>, <c>adam_v.W</c>, <c>adam_m.b</c>, …) is still read.
    /// SGD has one state kind, so its files are the same in both versions apart from this number.
    /// </summary>
    public const uint FormatVersion = 2;

    private const uint TensorMajorStateVersion = 1;

    private const int MaxMetadataBytes = 64 * 1024;
    private const int MaxTensors = 4096;
    private const int MaxNameBytes = 256;
    private const int MaxRank = 8;
    private static ReadOnlySpan<byte> Magic => "FEDGECKP"u8;

    private Checkpoint(ModelArchitecture architecture, IReadOnlyList<string> trainable, OptimizerSettings optimizer, long step, ParameterSet parameters, ParameterSet state)
    {
        Architecture = architecture;
        Trainable = trainable;
        Optimizer = optimizer;
        Step = step;
        Parameters = parameters;
        OptimizerState = state;
    }

    /// <summary>The model.</summary>
    public ModelArchitecture Architecture { get; }

    /// <summary>Names of the trainable tensors, in layout order.</summary>
    public IReadOnlyList<string> Trainable { get; }

    /// <summary>The optimizer the state belongs to.</summary>
    public OptimizerSettings Optimizer { get; }

    /// <summary>Optimizer steps taken so far.</summary>
    public long Step { get; set; }

    /// <summary>All model parameters (trainable and frozen), in <see cref="ModelArchitecture.Layout"/>.</summary>
    public ParameterSet Parameters { get; }

    /// <summary>Optimizer state tensors (e.g. <c>adam_m.dense0.weight</c>), in <see cref="StateLayout"/> order.</summary>
    public ParameterSet OptimizerState { get; }

    /// <summary>A fresh checkpoint: the given parameters, zero optimizer state, step 0.</summary>
    public static Checkpoint Create(ModelArchitecture architecture, IReadOnlyList<string> trainable, OptimizerSettings optimizer, ParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(trainable);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.Layout.Equals(architecture.Layout))
        {
            throw new ArgumentException($"Parameters [{parameters.Layout}] do not fit {architecture}.", nameof(parameters));
        }

        var names = TrainableSet.Named(trainable).Resolve(architecture);
        return new Checkpoint(architecture, names, optimizer, 0, parameters, new ParameterSet(StateLayout(architecture, names, optimizer)));
    }

    /// <summary>
    /// The layout of the optimizer state: one tensor per (state prefix, trainable tensor), prefix-major,
    /// so the state of one kind (e.g. every <c>adam_m.*</c>) is one contiguous block in trainable order.
    /// </summary>
    public static ParameterLayout StateLayout(ModelArchitecture architecture, IReadOnlyList<string> trainable, OptimizerSettings optimizer)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(trainable);
        ArgumentNullException.ThrowIfNull(optimizer);
        var specs = new List<TensorSpec>();
        foreach (string prefix in optimizer.StatePrefixes)
        {
            foreach (string name in trainable)
            {
                var spec = architecture.Layout.Tensors[architecture.Layout.IndexOf(name)];
                specs.Add(new TensorSpec(ArtifactNames.State(prefix, name), spec.Shape.ToArray()));
            }
        }

        return new ParameterLayout(specs);
    }

    /// <summary>The version-1 state order: per trainable tensor, each state prefix.</summary>
    private static ParameterLayout TensorMajorStateLayout(ModelArchitecture architecture, IReadOnlyList<string> trainable, OptimizerSettings optimizer)
    {
        var specs = new List<TensorSpec>();
        foreach (string name in trainable)
        {
            var spec = architecture.Layout.Tensors[architecture.Layout.IndexOf(name)];
            foreach (string prefix in optimizer.StatePrefixes)
            {
                specs.Add(new TensorSpec(ArtifactNames.State(prefix, name), spec.Shape.ToArray()));
            }
        }

        return new ParameterLayout(specs);
    }

    /// <summary>Writes the checkpoint atomically (<see cref="AtomicFile"/>).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, WriteTo);
    }

    /// <summary>Serialises the checkpoint to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        WriteUInt32(buffer, FormatVersion);
        byte[] metadata = MetadataJson();
        WriteUInt32(buffer, (uint)metadata.Length);
        buffer.Write(metadata);
        WriteUInt32(buffer, (uint)(Parameters.Layout.Count + OptimizerState.Layout.Count));
        WriteTensors(buffer, Parameters);
        WriteTensors(buffer, OptimizerState);
        byte[] hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        buffer.Write(hash);
        buffer.Position = 0;
        buffer.CopyTo(stream);
    }

    /// <summary>Reads a checkpoint file, checking its size bound before reading it.</summary>
    /// <exception cref="CheckpointFormatException">The file is too large, truncated, corrupt or inconsistent.</exception>
    public static Checkpoint Load(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        }

        if (info.Length > maxBytes)
        {
            throw new CheckpointFormatException($"Checkpoint '{path}' is {info.Length} bytes, above the limit of {maxBytes}.");
        }

        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses a checkpoint from memory; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="CheckpointFormatException">The bytes are not a valid checkpoint.</exception>
    public static Checkpoint Read(ReadOnlySpan<byte> bytes, string source)
    {
        var reader = new CheckpointReader(bytes, source);
        if (bytes.Length < Magic.Length + 4 + 32 || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw reader.Error("not a FedEdge checkpoint (bad magic or too short)");
        }

        byte[] expected = SHA256.HashData(bytes[..^32]);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[^32..]))
        {
            throw reader.Error("SHA-256 mismatch: the file is truncated or corrupt");
        }

        reader.Skip(Magic.Length);
        uint version = reader.UInt32();
        if (version != FormatVersion && version != TensorMajorStateVersion)
        {
            throw reader.Error($"format version {version} is not supported (expected {TensorMajorStateVersion} or {FormatVersion})");
        }

        int metadataLength = reader.Length(MaxMetadataBytes, "metadata length");
        var (architecture, trainable, optimizer, step) = ParseMetadata(reader.Bytes(metadataLength), reader);
        var parameters = new ParameterSet(architecture.Layout);
        var state = new ParameterSet(StateLayout(architecture, trainable, optimizer));
        int count = reader.Length(MaxTensors, "tensor count");
        if (count != parameters.Layout.Count + state.Layout.Count)
        {
            throw reader.Error($"has {count} tensors but {architecture} with optimizer {optimizer.Kind} needs {parameters.Layout.Count + state.Layout.Count}");
        }

        reader.ReadTensors(parameters);
        if (version == TensorMajorStateVersion)
        {
            var stored = new ParameterSet(TensorMajorStateLayout(architecture, trainable, optimizer));
            reader.ReadTensors(stored);
            for (int i = 0; i < stored.Layout.Count; i++)
            {
                stored.Tensor(i).CopyTo(state[stored.Layout.Tensors[i].Name]);
            }
        }
        else
        {
            reader.ReadTensors(state);
        }

        if (reader.Remaining != 32)
        {
            throw reader.Error($"{reader.Remaining - 32} unexpected bytes after the last tensor");
        }

        return new Checkpoint(architecture, trainable, optimizer, step, parameters, state);
    }

    private static (ModelArchitecture, IReadOnlyList<string>, OptimizerSettings, long) ParseMetadata(ReadOnlySpan<byte> json, CheckpointReader reader)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            var architecture = ModelArchitecture.Parse(root.GetProperty("architecture").GetString() ?? string.Empty);
            var trainable = TrainableSet.Named(root.GetProperty("trainable").EnumerateArray().Select(e => e.GetString() ?? string.Empty)).Resolve(architecture);
            var o = root.GetProperty("optimizer");
            var optimizer = new OptimizerSettings
            {
                Kind = Enum.Parse<OptimizerKind>(o.GetProperty("kind").GetString() ?? string.Empty),
                Momentum = o.GetProperty("momentum").GetSingle(),
                Beta1 = o.GetProperty("beta1").GetSingle(),
                Beta2 = o.GetProperty("beta2").GetSingle(),
                Epsilon = o.GetProperty("epsilon").GetSingle(),
                WeightDecay = o.GetProperty("weightDecay").GetSingle(),
            };
            optimizer.Validate();
            long step = root.GetProperty("step").GetInt64();
            if (step < 0)
            {
                throw reader.Error("metadata: step is negative");
            }

            return (architecture, trainable, optimizer, step);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw reader.Error($"metadata is invalid: {ex.Message}", ex);
        }
    }

    private byte[] MetadataJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("architecture", Architecture.ToString());
            json.WriteStartArray("trainable");
            foreach (string name in Trainable)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteStartObject("optimizer");
            json.WriteString("kind", Optimizer.Kind.ToString());
            json.WriteNumber("momentum", Optimizer.Momentum);
            json.WriteNumber("beta1", Optimizer.Beta1);
            json.WriteNumber("beta2", Optimizer.Beta2);
            json.WriteNumber("epsilon", Optimizer.Epsilon);
            json.WriteNumber("weightDecay", Optimizer.WeightDecay);
            json.WriteEndObject();
            json.WriteNumber("step", Step);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteTensors(MemoryStream buffer, ParameterSet set)
    {
        Span<byte> scratch = stackalloc byte[4];
        for (int i = 0; i < set.Layout.Count; i++)
        {
            var spec = set.Layout.Tensors[i];
            byte[] name = Encoding.UTF8.GetBytes(spec.Name);
            BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)name.Length);
            buffer.Write(scratch[..2]);
            buffer.Write(name);
            buffer.WriteByte((byte)spec.Shape.Count);
            foreach (int d in spec.Shape)
            {
                WriteUInt32(buffer, (uint)d);
            }

            foreach (float value in set.Tensor(i))
            {
                BinaryPrimitives.WriteSingleLittleEndian(scratch, value);
                buffer.Write(scratch);
            }
        }
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> scratch = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, value);
        stream.Write(scratch);
    }

    private ref struct CheckpointReader(ReadOnlySpan<byte> bytes, string source)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _position;

        public readonly int Remaining => _bytes.Length - _position;

        public readonly CheckpointFormatException Error(string message, Exception? inner = null) =>
            inner is null
                ? new CheckpointFormatException($"Checkpoint '{source}' at byte {_position}: {message}.")
                : new CheckpointFormatException($"Checkpoint '{source}' at byte {_position}: {message}.", inner);

        public void Skip(int count) => Bytes(count);

        public ReadOnlySpan<byte> Bytes(int count)
        {
            if (count < 0 || count > Remaining - 32)
            {
                throw Error($"truncated: needs {count} more bytes, {Math.Max(0, Remaining - 32)} left");
            }

            var slice = _bytes.Slice(_position, count);
            _position += count;
            return slice;
        }

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4));

        public int Length(int max, string what)
        {
            uint value = UInt32();
            return value > (uint)max ? throw Error($"{what} {value} exceeds the limit {max}") : (int)value;
        }

        public void ReadTensors(ParameterSet set)
        {
            for (int i = 0; i < set.Layout.Count; i++)
            {
                var spec = set.Layout.Tensors[i];
                int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2));
                if (nameLength > MaxNameBytes)
                {
                    throw Error($"tensor name of {nameLength} bytes exceeds {MaxNameBytes}");
                }

                string name = Encoding.UTF8.GetString(Bytes(nameLength));
                if (name != spec.Name)
                {
                    throw Error($"expected tensor '{spec.Name}' but found '{name}'");
                }

                int rank = Bytes(1)[0];
                if (rank > MaxRank || rank != spec.Shape.Count)
                {
                    throw Error($"tensor '{name}' has rank {rank}, expected {spec.Shape.Count}");
                }

                for (int d = 0; d < rank; d++)
                {
                    uint dim = UInt32();
                    if (dim != (uint)spec.Shape[d])
                    {
                        throw Error($"tensor '{name}' has shape mismatch at dimension {d}: {dim.ToString(CultureInfo.InvariantCulture)} vs expected {spec}");
                    }
                }

                var data = Bytes(checked(spec.Length * 4));
                var target = set.Tensor(i);
                for (int k = 0; k < target.Length; k++)
                {
                    float value = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(k * 4, 4));
                    if (!float.IsFinite(value))
                    {
                        throw Error($"tensor '{name}' element {k} is not finite");
                    }

                    target[k] = value;
                }
            }
        }
    }
}
