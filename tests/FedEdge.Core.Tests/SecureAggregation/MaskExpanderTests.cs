using FedEdge.Core.SecureAggregation;

namespace FedEdge.Core.Tests.SecureAggregation;

public class MaskExpanderTests
{
    [Fact]
    public void The_keystream_matches_the_NIST_SP_800_38A_CTR_AES256_vectors()
    {
        // NIST SP 800-38A, Appendix F.5.5 (CTR-AES256.Encrypt): ciphertext = plaintext XOR keystream from the initial
        // counter f0f1…feff; block 2's counter f0f1…fdff00 exercises the carry of the big-endian increment.
        byte[] key = Convert.FromHexString("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        UInt128 counter = UInt128.Parse("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", System.Globalization.NumberStyles.HexNumber, null);
        byte[] plaintext = Convert.FromHexString(
            "6bc1bee22e409f96e93d7e117393172a" + "ae2d8a571e03ac9c9eb76fac45af8e51" + "30c81c46a35ce411e5fbc1191a0a52ef" + "f69f2445df4f9b17ad2b417be66c3710");
        byte[] ciphertext = Convert.FromHexString(
            "601ec313775789a5b7a7f504bbf3d228" + "f443e3ca4d62b59aca84e990cacaf5c5" + "2b0930daa23de94ce87017ba2d84988d" + "dfc9c58db67aada613c2dd08457941a6");
        using var expander = new MaskExpander();
        var keystream = new byte[64];
        expander.Keystream(key, counter, keystream);

        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(ciphertext[i], (byte)(plaintext[i] ^ keystream[i]));
        }
    }

    [Fact]
    public void A_mask_longer_than_one_chunk_continues_the_counter_across_chunks()
    {
        // 5,000 16-bit words span three 4 KiB chunks; they must equal the flat keystream read as little-endian words.
        byte[] seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        using var expander = new MaskExpander();
        var flat = new byte[10_000];
        expander.Keystream(seed, flat);
        var mask = new ushort[5_000];
        expander.AddMask(seed, mask, subtract: false);
        for (int i = 0; i < mask.Length; i++)
        {
            Assert.Equal((ushort)(flat[2 * i] | (flat[(2 * i) + 1] << 8)), mask[i]);
        }
    }

    [Fact]
    public void Adding_then_subtracting_one_mask_restores_the_vector()
    {
        byte[] seed = new byte[32];
        seed[0] = 9;
        ushort[] values = [.. Enumerable.Range(0, 777).Select(i => (ushort)(i * 37))];
        ushort[] original = [.. values];
        using var expander = new MaskExpander();
        expander.AddMask(seed, values, subtract: false);
        Assert.NotEqual(original, values);
        expander.AddMask(seed, values, subtract: true);
        Assert.Equal(original, values);
    }

    [Fact]
    public void A_seed_that_is_not_32_bytes_is_rejected()
    {
        using var expander = new MaskExpander();
        Assert.Throws<ArgumentException>(() => expander.AddMask(new byte[16], new ushort[4], subtract: false));
    }
}
