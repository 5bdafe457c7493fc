using System.Security.Cryptography;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Tests.Wire;

namespace FedEdge.Protocol.Tests.Signing;

public class PinnedModelKeyTests
{
    [Fact]
    public void FromPem_pins_the_same_key_id_as_the_signer()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var pinned = PinnedModelKey.FromPem(key.ExportSubjectPublicKeyInfoPem());

        Assert.Equal(new ModelSigner(key).KeyId, pinned.KeyId);
        Assert.Matches("^p256-[0-9a-f]{16}$", pinned.KeyId);
    }

    [Fact]
    public void FromPem_refuses_a_private_key()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var error = Assert.Throws<ArgumentException>(() => PinnedModelKey.FromPem(key.ExportPkcs8PrivateKeyPem()));

        Assert.Contains("PUBLIC KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromKey_refuses_a_key_on_another_curve()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Throws<ArgumentException>(() => PinnedModelKey.FromKey(key));
    }

    [Fact]
    public void FromSubjectPublicKeyInfo_refuses_bytes_that_are_not_a_key()
    {
        Assert.Throws<ArgumentException>(() => PinnedModelKey.FromSubjectPublicKeyInfo([0x30, 0x03, 0x02, 0x01, 0x00]));
    }

    [Fact]
    public void ModelSigner_FromPem_signs_models_the_pinned_public_key_verifies()
    {
        using var original = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ModelSigner signer = ModelSigner.FromPem(original.ExportECPrivateKeyPem(), out ECDsa loaded);
        using (loaded)
        {
            using var verifier = new ModelVerifier([PinnedModelKey.FromPem(original.ExportSubjectPublicKeyInfoPem())]);

            Assert.True(verifier.Verify(signer.Sign(WireSamples.GlobalModel())).Succeeded);
        }
    }

    [Fact]
    public void ModelSigner_FromPem_refuses_text_without_a_key()
    {
        Assert.Throws<ArgumentException>(() => ModelSigner.FromPem("not a key", out _));
    }
}
