using System.Security.Cryptography;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Tests.Wire;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Protocol.Tests.Signing;

public sealed class ModelVerifierTests : IDisposable
{
    private static readonly Dictionary<string, Action<GlobalModel>> Tampers = new()
    {
        ["version"] = m => m.Version++,
        ["parameters byte flip"] = m => m.Parameters = Flip(m.Parameters, 20),
        ["parameters truncated"] = m => m.Parameters = ByteString.CopyFrom(m.Parameters.Span[..^4]),
        ["parameters encoding"] = m => m.ParametersEncoding = PayloadEncoding.Float16,
        ["subset index changed"] = m => m.Subsets[0].IndexDeltas[1]++,
        ["subset id changed"] = m => m.Subsets[0].SubsetId = Flip(m.Subsets[0].SubsetId, 0),
        ["subset memory class changed"] = m => m.Subsets[1].MemoryClass = "huge",
        ["subset removed"] = m => m.Subsets.RemoveAt(1),
        ["subsets reordered"] = m => { var first = m.Subsets[0]; m.Subsets.RemoveAt(0); m.Subsets.Add(first); },
        ["architecture"] = m => m.Architecture = "mlp-8-5",
        ["architecture hash"] = m => m.ArchitectureHash = Flip(m.ArchitectureHash, 31),
        ["fleet"] = m => m.Fleet = "home-43",
        ["created at"] = m => m.CreatedAtUnixMs++,
        ["signature byte flip"] = m => m.Signature = Flip(m.Signature, 40),
        ["signature truncated"] = m => m.Signature = ByteString.CopyFrom(m.Signature.Span[..63]),
    };

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static TheoryData<string> TamperNames => [.. Tampers.Keys];

    public void Dispose()
    {
        _key.Dispose();
        _otherKey.Dispose();
    }

    [Fact]
    public void TryAccept_accepts_a_model_signed_with_a_pinned_key()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)], "home-42", WireSamples.ArchitectureHash);
        GlobalModel signed = new ModelSigner(_key).Sign(WireSamples.GlobalModel());

        ModelVerification result = verifier.TryAccept(signed);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(signed.Version, verifier.LastAcceptedVersion);
    }

    [Fact]
    public void Sign_writes_the_key_id_and_a_64_byte_signature_and_leaves_the_input_alone()
    {
        var signer = new ModelSigner(_key);
        GlobalModel unsigned = WireSamples.GlobalModel();

        GlobalModel signed = signer.Sign(unsigned);

        Assert.Equal(signer.KeyId, signed.KeyId);
        Assert.Equal(ModelSigner.SignatureSize, signed.Signature.Length);
        Assert.True(unsigned.Signature.IsEmpty);
        Assert.Equal("", unsigned.KeyId);
    }

    [Theory]
    [MemberData(nameof(TamperNames))]
    public void Verify_rejects_a_model_with_one_field_tampered(string field)
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        GlobalModel signed = new ModelSigner(_key).Sign(WireSamples.GlobalModel());
        Tampers[field](signed);

        ModelVerification result = verifier.Verify(signed);

        Assert.Equal(ModelRejection.BadSignature, result.Rejection);
        Assert.Contains("does not verify", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_rejects_an_unsigned_model()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);

        ModelVerification result = verifier.Verify(WireSamples.GlobalModel());

        Assert.Equal(ModelRejection.NotSigned, result.Rejection);
    }

    [Fact]
    public void Verify_rejects_a_model_whose_signature_was_stripped_but_key_id_kept()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        GlobalModel signed = new ModelSigner(_key).Sign(WireSamples.GlobalModel());
        signed.Signature = ByteString.Empty;

        ModelVerification result = verifier.Verify(signed);

        Assert.Equal(ModelRejection.NotSigned, result.Rejection);
    }

    [Fact]
    public void Verify_rejects_a_model_signed_by_a_key_that_is_not_pinned()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        GlobalModel signed = new ModelSigner(_otherKey).Sign(WireSamples.GlobalModel());

        ModelVerification result = verifier.Verify(signed);

        Assert.Equal(ModelRejection.UnknownKey, result.Rejection);
        Assert.Contains(new ModelSigner(_otherKey).KeyId, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_rejects_a_model_signed_by_another_key_that_claims_the_pinned_key_id()
    {
        var pinned = PinnedModelKey.FromKey(_key);
        using var verifier = new ModelVerifier([pinned]);
        GlobalModel forged = WireSamples.GlobalModel();
        forged.KeyId = pinned.KeyId;
        byte[] digest = ModelSigningDigest.Compute(forged);
        forged.Signature = ByteString.CopyFrom(_otherKey.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

        ModelVerification result = verifier.Verify(forged);

        Assert.Equal(ModelRejection.BadSignature, result.Rejection);
    }

    [Fact]
    public void TryAccept_rejects_an_equal_or_older_version_after_a_newer_one_as_rollback()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        var signer = new ModelSigner(_key);
        GlobalModel v8 = signer.Sign(WireSamples.GlobalModel());
        GlobalModel v7 = WireSamples.GlobalModel();
        v7.Version = 7;
        v7 = signer.Sign(v7);
        Assert.True(verifier.TryAccept(v8).Succeeded);

        ModelVerification replay = verifier.TryAccept(v8);
        ModelVerification rollback = verifier.TryAccept(v7);

        Assert.Equal(ModelRejection.Rollback, replay.Rejection);
        Assert.Equal(ModelRejection.Rollback, rollback.Rejection);
        Assert.Contains("not newer than the accepted version 8", rollback.Message, StringComparison.Ordinal);
        Assert.Equal(8UL, verifier.LastAcceptedVersion);
    }

    [Fact]
    public void TryAccept_accepts_one_of_many_concurrent_deliveries_of_the_same_model()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        GlobalModel signed = new ModelSigner(_key).Sign(WireSamples.GlobalModel());
        int accepted = 0;

        Parallel.For(0, 16, _ =>
        {
            if (verifier.TryAccept(signed).Succeeded)
            {
                Interlocked.Increment(ref accepted);
            }
        });

        Assert.Equal(1, accepted);
    }

    [Fact]
    public void Verify_throws_after_dispose()
    {
        var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        verifier.Dispose();

        Assert.Throws<ObjectDisposedException>(() => verifier.Verify(WireSamples.GlobalModel()));
    }

    [Fact]
    public void Verify_does_not_advance_the_accepted_version()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)], lastAcceptedVersion: 3);
        GlobalModel signed = new ModelSigner(_key).Sign(WireSamples.GlobalModel());

        Assert.True(verifier.Verify(signed).Succeeded);
        Assert.Equal(3UL, verifier.LastAcceptedVersion);
    }

    [Fact]
    public void TryAccept_rejects_a_version_at_or_below_the_one_restored_at_start()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)], lastAcceptedVersion: 8);

        ModelVerification result = verifier.TryAccept(new ModelSigner(_key).Sign(WireSamples.GlobalModel()));

        Assert.Equal(ModelRejection.Rollback, result.Rejection);
    }

    [Fact]
    public void TryAccept_accepts_models_of_both_keys_during_a_rotation_and_only_the_new_after_it()
    {
        var oldSigner = new ModelSigner(_key);
        var newSigner = new ModelSigner(_otherKey);
        GlobalModel v8 = oldSigner.Sign(WireSamples.GlobalModel());
        GlobalModel v9 = WireSamples.GlobalModel();
        v9.Version = 9;
        GlobalModel v9New = newSigner.Sign(v9);
        v9.Version = 10;
        GlobalModel v10Old = oldSigner.Sign(v9);
        using var during = new ModelVerifier([oldSigner.PublicKey, newSigner.PublicKey]);
        using var after = new ModelVerifier([newSigner.PublicKey], lastAcceptedVersion: 9);

        Assert.True(during.TryAccept(v8).Succeeded);
        Assert.True(during.TryAccept(v9New).Succeeded);
        Assert.Equal(ModelRejection.UnknownKey, after.TryAccept(v10Old).Rejection);
    }

    [Fact]
    public void Verify_rejects_an_authentic_model_of_another_architecture()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)], expectedArchitectureHash: SHA256.HashData("cnn"u8));

        ModelVerification result = verifier.Verify(new ModelSigner(_key).Sign(WireSamples.GlobalModel()));

        Assert.Equal(ModelRejection.ArchitectureMismatch, result.Rejection);
    }

    [Fact]
    public void Verify_rejects_an_authentic_model_of_another_fleet()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)], expectedFleet: "home-7");

        ModelVerification result = verifier.Verify(new ModelSigner(_key).Sign(WireSamples.GlobalModel()));

        Assert.Equal(ModelRejection.FleetMismatch, result.Rejection);
    }

    [Fact]
    public void Verify_rejects_a_model_of_another_major_version()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        GlobalModel model = WireSamples.GlobalModel();
        model.ProtocolMajor = 2;

        ModelVerification result = verifier.Verify(new ModelSigner(_key).Sign(model));

        Assert.Equal(ModelRejection.UnsupportedVersion, result.Rejection);
    }

    [Fact]
    public void Verify_accepts_a_signed_model_after_a_wire_round_trip()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        byte[] wire = new ModelSigner(_key).Sign(WireSamples.GlobalModel()).ToByteArray();

        GlobalModel received = new WireParser().ParseGlobalModel(wire).Message!;

        Assert.True(verifier.Verify(received).Succeeded);
    }

    [Fact]
    public void Verify_ignores_unknown_fields_which_the_signature_does_not_cover()
    {
        using var verifier = new ModelVerifier([PinnedModelKey.FromKey(_key)]);
        byte[] wire = [.. new ModelSigner(_key).Sign(WireSamples.GlobalModel()).ToByteArray(), .. WireSamples.Tag(200, 0), 1];

        GlobalModel received = new WireParser().ParseGlobalModel(wire).Message!;

        Assert.True(verifier.Verify(received).Succeeded);
    }

    [Fact]
    public void ModelVerifier_requires_at_least_one_key()
    {
        Assert.Throws<ArgumentException>(() => new ModelVerifier([]));
    }

    [Fact]
    public void ModelVerifier_rejects_the_same_key_pinned_twice()
    {
        Assert.Throws<ArgumentException>(() => new ModelVerifier([PinnedModelKey.FromKey(_key), PinnedModelKey.FromKey(_key)]));
    }

    private static ByteString Flip(ByteString bytes, int index)
    {
        byte[] copy = bytes.ToByteArray();
        copy[index] ^= 0x01;
        return ByteString.CopyFrom(copy);
    }
}
