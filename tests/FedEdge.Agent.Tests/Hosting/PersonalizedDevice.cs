using FedEdge.Device.Sampling;
using FedEdge.Sensors.Features;
using FedEdge.Device.Configuration;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using FedEdge.Device.Eligibility;
using FedEdge.Agent.Hosting;
using FedEdge.Device.Models;
using FedEdge.Device.Personalization;
using FedEdge.Device.Privacy;
using FedEdge.Core.Privacy;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Protocol.Signing;
using FedEdge.Protocol.Wire;
using FedEdge.Sensors.Simulated;
using FedEdge.Sensors.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>
/// One device's state directory on a fake clock: a sample store filled with one simulated home,
/// a signing key, signed global models of mlp-14-16-5, an idle CPU and mains power.
/// </summary>
internal sealed class PersonalizedDevice : IDisposable
{
    public const string Device = "kitchen-1";
    public const string Fleet = "home";
    public const string Architecture = "mlp-14-16-5";
    public const int SampleCount = 400;

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private int _added;

    public PersonalizedDevice(PersonalizationMode mode, int port, int samples = SampleCount)
    {
        Signer = new ModelSigner(_key);
        Options = new AgentOptions
        {
            DeviceId = Device,
            Fleet = Fleet,
            StateDirectory = Dir.File("agent"),
            ModelSigningPublicKeyPath = Dir.WriteText("model-signing.pub", _key.ExportSubjectPublicKeyInfoPem()),
            Mqtt = new() { Host = "127.0.0.1", Port = port, UseTls = false, ClientId = Device },
            Power = new() { Source = PowerSourceKind.Mains },
            Eligibility = new() { IdleLoadThreshold = 0.5, IdleFor = TimeSpan.Zero, PowerStableFor = TimeSpan.Zero },
            Training = new() { MinSamples = 50, MaxSamples = 200, BatchSize = 32 },
            CheckInterval = TimeSpan.FromSeconds(30),
            StatusInterval = TimeSpan.FromMinutes(5),
            Prediction = new() { Interval = TimeSpan.FromMinutes(1) },
            Personalization = new()
            {
                Mode = mode,
                Epochs = 3,
                LearningRate = 0.05f,
                MinValidationSamples = 20,
                CheckInterval = TimeSpan.FromMinutes(10),
                MinTrainingInterval = TimeSpan.FromHours(1),
            },
        };
        var validation = new AgentOptionsValidator().Validate(null, Options);
        Assert.True(validation.Succeeded, validation.FailureMessage);
        Directory.CreateDirectory(Options.StateDirectory);

        // the device has run before the fixture installs a model into its state: its ledger exists (a model without one is refused)
        PrivacyLedger.Open(Path.Combine(Options.StateDirectory, "privacy.ledger"), new PrivacyBudget(Options.Privacy.Epsilon, Options.Privacy.Delta), new RdpAccountant(), Time).Dispose();
        Samples = new SampleStore(new SampleStoreOptions
        {
            Path = Path.Combine(Options.StateDirectory, "samples.db"),
            FeatureCount = SmartHomeSchema.FeatureNames.Count,
            ClassCount = SmartHomeSchema.ClassCount,
        });
        AddSamples(samples);
    }

    /// <summary>Appends the next <paramref name="count"/> samples of the simulated home, five minutes apart, ending now.</summary>
    public void AddSamples(int count)
    {
        if (count == 0)
        {
            return;
        }

        var home = new SmartHomeActivityGenerator(3).GenerateHome(0, _added + count);
        for (int row = _added; row < home.Count; row++)
        {
            Samples.Append(Time.GetUtcNow().AddMinutes(5 * (row - home.Count)), home.Row(row), home.Label(row));
        }

        _added = home.Count;
    }

    public TempDirectory Dir { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    public AgentOptions Options { get; }

    public ModelSigner Signer { get; }

    public SampleStore Samples { get; }

    public ControlledCpu Cpu { get; } = new();

    public ServedModelState Served { get; } = new();

    public string ModelDirectory => Path.Combine(Options.StateDirectory, "model");

    public AcceptedModelStore Models => new(ModelDirectory);

    /// <summary>The installed model in memory, shared by the agent's core and the personalization service.</summary>
    public InstalledModelState Installed { get; } = new();

    /// <summary>Installs <paramref name="model"/> as the agent's core does: stored, and decoded once into <see cref="Installed"/>.</summary>
    public void Install(GlobalModel model)
    {
        Models.Install(model);
        Assert.True(InstalledModel.TryDecode(model, Options.MemoryClass, out var installed, out string problem), problem);
        Installed.Install(installed);
    }

    public PersonalModelStore PersonalStore => new(ModelDirectory);

    /// <summary>A closed loopback port (bound, then released): connecting to it is refused.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A signed global model: uniform ±0.3 weights from <paramref name="seed"/> (an untrained fleet model).</summary>
    public GlobalModel SignedModel(ulong version, int seed, string architectureText = Architecture)
    {
        var architecture = ModelArchitecture.Parse(architectureText);
        var parameters = new ParameterSet(architecture.Layout);
        var random = new Random(seed);
        var values = parameters.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 0.6) - 0.3);
        }

        var dense = new DenseFloat32Codec();
        byte[] bytes = new byte[dense.MaxEncodedSize(architecture.Layout)];
        int written = dense.Encode(parameters.AsSpan(), architecture.Layout, bytes);
        return Signer.Sign(new GlobalModel
        {
            ProtocolMajor = ProtocolVersion.Major,
            Version = version,
            Fleet = Fleet,
            Architecture = architecture.ToString(),
            ArchitectureHash = ByteString.CopyFrom(Convert.FromHexString(architecture.Hash())),
            ParametersEncoding = PayloadEncoding.DenseFloat32,
            Parameters = ByteString.CopyFrom(bytes, 0, written),
            CreatedAtUnixMs = Time.GetUtcNow().ToUnixTimeMilliseconds(),
        });
    }

    public PersonalizationService Personalization(ILocalSamples? samples = null) =>
        new(Microsoft.Extensions.Options.Options.Create(Options), Time, NullLoggerFactory.Instance, Served, Installed,
            new ConfiguredMainsPower(), Cpu, new SysfsThermal(Dir.File("no-thermal-zones")), samples ?? new StoredSamples(Samples));

    public void Dispose()
    {
        Samples.Dispose();
        _key.Dispose();
        Dir.Dispose();
    }
}
