using System.Security.Cryptography;
using System.Text;
using FedEdge.Protocol.SecureAggregation;

namespace FedEdge.Protocol.Tests.SecureAggregation;

public class PairwiseSeedDerivationTests
{
    private static byte[] Derive(SecAggKeyPair own, SecAggKeyPair peer, string ownId, string peerId, long round = 7, SeedPurpose purpose = SeedPurpose.PairwiseMask)
    {
        var seed = new byte[32];
        Assert.True(PairwiseSeedDerivation.TryDerive(own, peer.PublicKey.Span, purpose, "home-fleet", round, ownId, peerId, seed));
        return seed;
    }

    [Fact]
    public void Both_devices_derive_the_same_pairwise_seed()
    {
        using var alice = SecAggKeyPair.Generate();
        using var bob = SecAggKeyPair.Generate();
        Assert.Equal(Derive(alice, bob, "alice", "bob"), Derive(bob, alice, "bob", "alice"));
    }

    [Fact]
    public void The_seed_is_HKDF_SHA256_of_the_raw_ECDH_secret_under_the_documented_label()
    {
        // Independent recomputation: raw x-coordinate by the BCL, HKDF by RFC 5869's two steps written with HMACSHA256 here,
        // info = "secagg" ‖ purpose ‖ fleet ‖ round (i64 BE) ‖ min id ‖ max id with u16 BE length prefixes.
        using var alice = SecAggKeyPair.Generate();
        using var bob = SecAggKeyPair.Generate();
        byte[] shared = alice.Key.DeriveRawSecretAgreement(bob.Key.PublicKey);
        static byte[] Field(string s) => [(byte)(Encoding.UTF8.GetByteCount(s) >> 8), (byte)Encoding.UTF8.GetByteCount(s), .. Encoding.UTF8.GetBytes(s)];
        byte[] info = [.. Field("secagg"), 1, .. Field("home-fleet"), 0, 0, 0, 0, 0, 0, 0, 7, .. Field("alice"), .. Field("bob")];
        byte[] prk = HMACSHA256.HashData(Encoding.ASCII.GetBytes("FedEdge secure aggregation v1"), shared);
        byte[] okm = HMACSHA256.HashData(prk, (byte[])[.. info, 1]);

        Assert.Equal(okm, Derive(bob, alice, "bob", "alice"));
    }

    [Fact]
    public void Another_round_another_pair_or_another_purpose_gives_an_unrelated_seed()
    {
        using var alice = SecAggKeyPair.Generate();
        using var bob = SecAggKeyPair.Generate();
        byte[] seed = Derive(alice, bob, "alice", "bob");
        Assert.NotEqual(seed, Derive(alice, bob, "alice", "bob", round: 8));
        Assert.NotEqual(seed, Derive(alice, bob, "alice", "carol"));
        Assert.NotEqual(seed, Derive(alice, bob, "alice", "bob", purpose: SeedPurpose.ShareChannel));
    }

    [Fact]
    public void A_peer_point_off_the_curve_is_refused_and_no_seed_is_derived()
    {
        using var alice = SecAggKeyPair.Generate();
        using var bob = SecAggKeyPair.Generate();
        byte[] tampered = bob.PublicKey.ToArray();
        tampered[40] ^= 1;
        byte[] seed = [.. Enumerable.Repeat((byte)0xAA, 32)];
        Assert.False(PairwiseSeedDerivation.TryDerive(alice, tampered, SeedPurpose.PairwiseMask, "f", 1, "alice", "bob", seed));
        Assert.All(seed, b => Assert.Equal(0, b));
        Assert.False(PairwiseSeedDerivation.TryDerive(alice, tampered.AsSpan(0, 33), SeedPurpose.PairwiseMask, "f", 1, "alice", "bob", seed));
    }

    [Fact]
    public void A_key_pair_rebuilt_from_its_private_scalar_derives_the_same_seeds()
    {
        // What the aggregator does for a dropped device after reconstructing s_u^SK from Shamir shares.
        using var dropped = SecAggKeyPair.Generate();
        using var survivor = SecAggKeyPair.Generate();
        byte[] scalar = dropped.ExportPrivateScalar();
        using var rebuilt = SecAggKeyPair.FromPrivateScalar(scalar);
        Assert.Equal(dropped.PublicKey.ToArray(), rebuilt.PublicKey.ToArray());
        Assert.Equal(Derive(survivor, dropped, "v", "u"), Derive(rebuilt, survivor, "u", "v"));
    }
}
