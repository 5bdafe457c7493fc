using FedEdge.Device.Models;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Agent.Tests.Models;

public sealed class AcceptedModelStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private static GlobalModel Model(ulong version)
    {
        var architecture = ModelArchitecture.LogisticRegression(3, 2);
        var codec = new DenseFloat32Codec();
        byte[] parameters = new byte[codec.MaxEncodedSize(architecture.Layout)];
        int written = codec.Encode(new float[architecture.Layout.TotalLength], architecture.Layout, parameters);
        var model = new GlobalModel
        {
            ProtocolMajor = ProtocolVersion.Major,
            Version = version,
            Fleet = "home",
            Architecture = "logreg-3-2",
            ArchitectureHash = ByteString.CopyFrom(Convert.FromHexString(architecture.Hash())),
            ParametersEncoding = PayloadEncoding.DenseFloat32,
            Parameters = ByteString.CopyFrom(parameters, 0, written),
            KeyId = "k1",
            Signature = ByteString.CopyFrom(new byte[64]),
            CreatedAtUnixMs = 1,
        };
        Assert.True(new WireParser().ParseGlobalModel(model.ToByteArray()).TryGet(out _, out string reason), reason);
        return model;
    }

    [Fact]
    public void A_new_store_has_accepted_and_contributed_nothing()
    {
        var store = new AcceptedModelStore(_dir.Path);

        Assert.Equal(0UL, store.LastAcceptedVersion);
        Assert.Equal(0UL, store.LastContributedVersion);
        Assert.Null(store.LoadCurrent());
    }

    [Fact]
    public void Install_keeps_the_replaced_model_as_previous()
    {
        var store = new AcceptedModelStore(_dir.Path);

        store.Install(Model(3));
        store.Install(Model(4));

        Assert.Equal(4UL, store.LoadCurrent()!.Version);
        Assert.True(new WireParser().ParseGlobalModel(File.ReadAllBytes(store.PreviousPath)).TryGet(out var previous, out _));
        Assert.Equal(3UL, previous.Version);
    }

    [Fact]
    public void Versions_survive_a_restart_so_a_rollback_stays_refused()
    {
        var store = new AcceptedModelStore(_dir.Path);
        store.Install(Model(7));
        store.RecordContribution(7);

        var reopened = new AcceptedModelStore(_dir.Path);

        Assert.Equal(7UL, reopened.LastAcceptedVersion);
        Assert.Equal(7UL, reopened.LastContributedVersion);
    }

    [Fact]
    public void A_damaged_version_file_is_refused_rather_than_read_as_zero()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "accepted.version"), "seven");

        var store = new AcceptedModelStore(_dir.Path);

        Assert.Throws<InvalidDataException>(() => store.LastAcceptedVersion);
    }

    public void Dispose() => _dir.Dispose();
}
