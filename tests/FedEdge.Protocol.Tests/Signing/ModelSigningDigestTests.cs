using System.Security.Cryptography;
using System.Text;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Tests.Wire;
using FedEdge.Protocol.Wire;

namespace FedEdge.Protocol.Tests.Signing;

public class ModelSigningDigestTests
{
    [Fact]
    public void Compute_matches_the_documented_definition_built_independently()
    {
        GlobalModel model = WireSamples.GlobalModel();
        model.KeyId = "p256-0011223344556677";

        // Reference: the whole byte string materialised with BinaryWriter (little-endian), hashed at once.
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            void Prefixed(byte[] bytes)
            {
                w.Write((uint)bytes.Length);
                w.Write(bytes);
            }

            Prefixed(Encoding.ASCII.GetBytes("fededge.v1.GlobalModel/signature-1"));
            w.Write(model.ProtocolMajor);
            w.Write(model.Version);
            Prefixed(Encoding.UTF8.GetBytes(model.Fleet));
            Prefixed(Encoding.UTF8.GetBytes(model.Architecture));
            Prefixed(model.ArchitectureHash.ToByteArray());
            w.Write((uint)model.ParametersEncoding);
            w.Write((ulong)model.Parameters.Length);
            w.Write(SHA256.HashData(model.Parameters.ToByteArray()));
            w.Write((uint)model.Subsets.Count);
            foreach (SubsetAssignment s in model.Subsets)
            {
                Prefixed(Encoding.UTF8.GetBytes(s.MemoryClass));
                Prefixed(s.SubsetId.ToByteArray());
                w.Write((uint)s.IndexDeltas.Count);
                w.Write(SHA256.HashData(s.IndexDeltas.SelectMany(BitConverter.GetBytes).ToArray()));
            }

            w.Write(model.CreatedAtUnixMs);
            Prefixed(Encoding.UTF8.GetBytes(model.KeyId));
        }

        byte[] expected = SHA256.HashData(buffer.ToArray());

        Assert.Equal(expected, ModelSigningDigest.Compute(model));
    }

    [Fact]
    public void Compute_ignores_the_signature_field()
    {
        GlobalModel model = WireSamples.GlobalModel();
        byte[] before = ModelSigningDigest.Compute(model);
        model.Signature = Google.Protobuf.ByteString.CopyFromUtf8("anything");

        Assert.Equal(before, ModelSigningDigest.Compute(model));
    }

    [Fact]
    public void Compute_differs_when_bytes_move_between_adjacent_strings()
    {
        // Length prefixes keep "ab"+"c" and "a"+"bc" apart.
        GlobalModel first = WireSamples.GlobalModel();
        first.Fleet = "ab";
        first.Architecture = "c";
        GlobalModel second = WireSamples.GlobalModel();
        second.Fleet = "a";
        second.Architecture = "bc";

        Assert.NotEqual(ModelSigningDigest.Compute(first), ModelSigningDigest.Compute(second));
    }
}
