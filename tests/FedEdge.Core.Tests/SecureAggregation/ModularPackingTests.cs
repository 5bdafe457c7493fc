using FedEdge.Core.SecureAggregation;

namespace FedEdge.Core.Tests.SecureAggregation;

public class ModularPackingTests
{
    [Theory]
    [InlineData(1, 13)]
    [InlineData(3, 8)]
    [InlineData(7, 1000)]
    [InlineData(12, 1024)]
    [InlineData(13, 5)]
    [InlineData(16, 645)]
    public void Unpack_reads_back_what_Pack_wrote(int bits, int count)
    {
        var random = new Random(bits * 1000 + count);
        ushort[] values = [.. Enumerable.Range(0, count).Select(_ => (ushort)random.Next(1 << bits))];
        var packed = new byte[ModularPacking.PackedLength(count, bits)];

        ModularPacking.Pack(values, bits, packed);
        var back = new ushort[count];

        Assert.Equal((count * bits + 7) / 8, packed.Length);
        Assert.True(ModularPacking.TryUnpack(packed, bits, back));
        Assert.Equal(values, back);
    }

    [Fact]
    public void The_layout_is_little_endian_bit_order()
    {
        // 12-bit values 0xABC, 0x123 → bits 0xABC | 0x123 << 12 = 0x123ABC → bytes BC 3A 12.
        var packed = new byte[3];
        ModularPacking.Pack([0xABC, 0x123], 12, packed);
        Assert.Equal(new byte[] { 0xBC, 0x3A, 0x12 }, packed);
    }

    [Fact]
    public void Unpack_refuses_a_wrong_length_and_stray_trailing_bits()
    {
        var back = new ushort[3];
        Assert.False(ModularPacking.TryUnpack(new byte[4], 12, back)); // 3 × 12 bits are 5 bytes
        Assert.False(ModularPacking.TryUnpack(new byte[6], 12, back));
        Assert.False(ModularPacking.TryUnpack([0, 0, 0, 0, 0xF0], 12, back)); // the last 4 bits must be zero
        Assert.True(ModularPacking.TryUnpack([0, 0, 0, 0, 0x0F], 12, back));
        Assert.Equal(new ushort[] { 0, 0, 0xF00 }, back);
    }

    [Fact]
    public void Pack_refuses_a_value_not_below_the_modulus()
    {
        Assert.Throws<ArgumentException>(() => ModularPacking.Pack([0x1000], 12, new byte[2]));
    }
}
