using System.Security.Cryptography;
using FedEdge.Core.SecretSharing;
using FedEdge.Protocol.SecureAggregation;

namespace FedEdge.Protocol.Tests.SecureAggregation;

/// <summary>The share channel: what u seals for v opens only at v, for this group, from u, unaltered.</summary>
public sealed class ShareChannelTests : IDisposable
{
    private const string Fleet = "home";
    private readonly SecAggKeyPair _u = SecAggKeyPair.Generate();
    private readonly SecAggKeyPair _v = SecAggKeyPair.Generate();
    private readonly SecAggKeyPair _w = SecAggKeyPair.Generate();
    private readonly SecretShare _self;
    private readonly SecretShare _key;

    public ShareChannelTests()
    {
        var secret = new byte[32];
        RandomNumberGenerator.Fill(secret);
        _self = ShamirSecretSharing.Split(secret, 2, 3, RandomNumberGenerator.Create())[1];
        RandomNumberGenerator.Fill(secret);
        _key = ShamirSecretSharing.Split(secret, 2, 3, RandomNumberGenerator.Create())[1];
    }

    public void Dispose()
    {
        _u.Dispose();
        _v.Dispose();
        _w.Dispose();
    }

    private byte[] Seal(long group = 9)
    {
        var sealedShare = new byte[ShareChannel.SealedBytes];
        using var rng = RandomNumberGenerator.Create();
        Assert.True(ShareChannel.TrySeal(_u, _v.PublicKey.Span, Fleet, group, "u", "v", _self, _key, rng, sealedShare));
        return sealedShare;
    }

    [Fact]
    public void The_recipient_opens_both_shares()
    {
        Assert.True(ShareChannel.TryOpen(_v, _u.PublicKey.Span, Fleet, 9, "u", "v", Seal(), out SecretShare? self, out SecretShare? key));

        Assert.Equal(_self.Index, self.Index);
        Assert.Equal(_self.Values.ToArray(), self.Values.ToArray());
        Assert.Equal(_key.Index, key.Index);
        Assert.Equal(_key.Values.ToArray(), key.Values.ToArray());
    }

    [Fact]
    public void Two_seals_of_the_same_shares_differ_by_their_nonce()
    {
        Assert.NotEqual(Seal(), Seal());
    }

    [Fact]
    public void Another_device_another_group_a_swapped_direction_or_a_flipped_bit_opens_nothing()
    {
        byte[] sealedShare = Seal();
        byte[] flipped = (byte[])sealedShare.Clone();
        flipped[40] ^= 1;

        Assert.False(ShareChannel.TryOpen(_w, _u.PublicKey.Span, Fleet, 9, "u", "v", sealedShare, out _, out _));   // w is not v
        Assert.False(ShareChannel.TryOpen(_v, _u.PublicKey.Span, Fleet, 10, "u", "v", sealedShare, out _, out _));  // replayed into group 10
        Assert.False(ShareChannel.TryOpen(_v, _u.PublicKey.Span, Fleet, 9, "v", "u", sealedShare, out _, out _));   // direction swapped
        Assert.False(ShareChannel.TryOpen(_v, _u.PublicKey.Span, Fleet, 9, "u", "v", flipped, out _, out _));
        Assert.False(ShareChannel.TryOpen(_v, _u.PublicKey.Span, Fleet, 9, "u", "v", sealedShare.AsSpan(1), out _, out _));
    }

    [Fact]
    public void A_key_off_the_curve_seals_nothing()
    {
        var bad = new byte[SecAggKeyPair.PublicKeyBytes];
        bad[0] = 0x04;
        bad[64] = 7;
        using var rng = RandomNumberGenerator.Create();

        Assert.False(PairwiseSeedDerivation.IsValidPublicKey(bad));
        Assert.True(PairwiseSeedDerivation.IsValidPublicKey(_u.PublicKey.Span));
        Assert.False(ShareChannel.TrySeal(_u, bad, Fleet, 9, "u", "v", _self, _key, rng, new byte[ShareChannel.SealedBytes]));
    }
}
