using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FedEdge.Onnx.Artifacts;
using FedEdge.Onnx.Checkpoints;
using FedEdge.Core.Models;

namespace FedEdge.Onnx.Tests.Checkpoints;

public class CheckpointTests
{
    private static byte[] Serialized(out Checkpoint checkpoint)
    {
        var arch = ModelArchitecture.Parse("mlp-4-3-2");
        checkpoint = Checkpoint.Create(arch, TrainableSet.All.Resolve(arch), OptimizerSettings.Default, arch.InitialParameters(new Random(2)));
        checkpoint.Step = 17;
        checkpoint.OptimizerState.AsSpan().Fill(0.25f);
        using var stream = new MemoryStream();
        checkpoint.WriteTo(stream);
        return stream.ToArray();
    }

    [Fact]
    public void A_checkpoint_round_trips_exactly()
    {
        byte[] bytes = Serialized(out var original);
        var read = Checkpoint.Read(bytes, "memory");
        Assert.Equal(original.Architecture, read.Architecture);
        Assert.Equal(original.Trainable, read.Trainable);
        Assert.Equal(original.Optimizer, read.Optimizer);
        Assert.Equal(17, read.Step);
        Assert.Equal(original.Parameters.Buffer, read.Parameters.Buffer);
        Assert.Equal(original.OptimizerState.Buffer, read.OptimizerState.Buffer);
    }

    [Fact]
    public void A_flipped_bit_anywhere_is_detected()
    {
        byte[] bytes = Serialized(out _);
        for (int i = 0; i < bytes.Length; i += 7)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[i] ^= 0x10;
            Assert.Throws<CheckpointFormatException>(() => Checkpoint.Read(copy, "memory"));
        }
    }

    [Fact]
    public void A_truncated_checkpoint_is_rejected_with_its_name()
    {
        byte[] bytes = Serialized(out _);
        var ex = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Read(bytes.AsSpan(0, bytes.Length / 2), "half.ckpt"));
        Assert.Contains("half.ckpt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_or_foreign_file_is_not_a_checkpoint()
    {
        Assert.Throws<CheckpointFormatException>(() => Checkpoint.Read([], "empty"));
        var ex = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Read(new byte[100], "zeros"));
        Assert.Contains("magic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_above_the_size_limit_is_refused_before_reading()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[2048]);
            var ex = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(path, maxBytes: 1024));
            Assert.Contains("limit", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_adamw_state_is_stored_prefix_major_so_each_moment_is_one_block()
    {
        var arch = ModelArchitecture.Parse("mlp-4-3-2");
        var layout = Checkpoint.StateLayout(arch, TrainableSet.All.Resolve(arch), OptimizerSettings.Default);
        Assert.Equal(
            ["adam_m.dense0.weight", "adam_m.dense0.bias", "adam_m.dense1.weight", "adam_m.dense1.bias",
             "adam_v.dense0.weight", "adam_v.dense0.bias", "adam_v.dense1.weight", "adam_v.dense1.bias"],
            layout.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void A_version_1_checkpoint_with_tensor_major_state_is_read_with_every_state_tensor_in_its_place()
    {
        // Version 1 wrote adam_m.W, adam_v.W, adam_m.b, … ; the file is written here by hand from
        // docs/checkpoint-format.md, each state tensor filled with a value that names it.
        var arch = ModelArchitecture.Parse("mlp-4-3-2");
        var names = TrainableSet.All.Resolve(arch);
        var parameters = arch.InitialParameters(new Random(4));
        var stored = new List<(string Name, int[] Shape, float Value)>();
        float value = 1;
        foreach (string name in names)
        {
            var spec = arch.Layout.Tensors[arch.Layout.IndexOf(name)];
            stored.Add(("adam_m." + name, spec.Shape.ToArray(), value++));
            stored.Add(("adam_v." + name, spec.Shape.ToArray(), value++));
        }

        using var body = new MemoryStream();
        body.Write("FEDGECKP"u8);
        WriteUInt32(body, 1);
        byte[] metadata = Encoding.UTF8.GetBytes(
            "{\"architecture\":\"mlp-4-3-2\",\"trainable\":[\"dense0.weight\",\"dense0.bias\",\"dense1.weight\",\"dense1.bias\"]," +
            "\"optimizer\":{\"kind\":\"AdamW\",\"momentum\":0.9,\"beta1\":0.9,\"beta2\":0.999,\"epsilon\":1e-08,\"weightDecay\":0.01},\"step\":5}");
        WriteUInt32(body, (uint)metadata.Length);
        body.Write(metadata);
        WriteUInt32(body, (uint)(arch.Layout.Count + stored.Count));
        for (int i = 0; i < arch.Layout.Count; i++)
        {
            var spec = arch.Layout.Tensors[i];
            WriteTensor(body, spec.Name, spec.Shape.ToArray(), parameters.Tensor(i).ToArray());
        }

        foreach (var (name, shape, fill) in stored)
        {
            WriteTensor(body, name, shape, Enumerable.Repeat(fill, shape.Aggregate(1, (a, b) => a * b)).ToArray());
        }

        body.Write(SHA256.HashData(body.ToArray()));
        var read = Checkpoint.Read(body.ToArray(), "v1");

        Assert.Equal(5, read.Step);
        Assert.Equal(parameters.Buffer, read.Parameters.Buffer);
        foreach (var (name, _, fill) in stored)
        {
            Assert.All(read.OptimizerState[name].ToArray(), v => Assert.Equal(fill, v));
        }
    }

    private static void WriteTensor(Stream stream, string name, int[] shape, float[] values)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        Span<byte> scratch = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)bytes.Length);
        stream.Write(scratch[..2]);
        stream.Write(bytes);
        stream.WriteByte((byte)shape.Length);
        foreach (int d in shape)
        {
            WriteUInt32(stream, (uint)d);
        }

        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(scratch, v);
            stream.Write(scratch);
        }
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> scratch = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, value);
        stream.Write(scratch);
    }
}
