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
}
