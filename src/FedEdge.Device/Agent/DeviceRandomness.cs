using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using FedEdge.Core.Privacy;

namespace FedEdge.Device.Agent;

/// <summary>
/// The randomness a device's decisions draw on, handed in so a simulated device can be reproduced: DP noise and update ids
/// from cryptographic generators, batch order from a seeded <see cref="Random"/>. Owned (and disposed) by the
/// <see cref="DeviceAgent"/> it is given to.
/// </summary>
public sealed class DeviceRandomness : IDisposable
{
    private readonly RandomNumberGenerator? _noiseSource;

    /// <summary>Creates the randomness from explicit sources (the simulator's seeded generators).</summary>
    /// <param name="noiseSource">Draws for DP noise; null = the operating system's generator.</param>
    /// <param name="ids">Draws for update ids.</param>
    /// <param name="shuffle">Batch order and stochastic quantisation.</param>
    /// <param name="checkIn">The secret coin of random check-ins (<see cref="FedEdge.Device.Privacy.RandomCheckIn"/>); null = the operating system's generator.</param>
    public DeviceRandomness(RandomNumberGenerator? noiseSource, RandomNumberGenerator ids, Random shuffle, RandomNumberGenerator? checkIn = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(shuffle);
        _noiseSource = noiseSource;
        Noise = noiseSource is null ? new GaussianNoise() : new GaussianNoise(noiseSource);
        Ids = ids;
        Shuffle = shuffle;
        CheckIn = checkIn ?? RandomNumberGenerator.Create();
    }

    /// <summary>Gaussian noise for the DP mechanisms.</summary>
    public GaussianNoise Noise { get; }

    /// <summary>Update ids.</summary>
    public RandomNumberGenerator Ids { get; }

    /// <summary>Batch order and stochastic quantisation.</summary>
    public Random Shuffle { get; }

    /// <summary>The check-in coin: cryptographic, so that nobody who sees the models can predict whether the device joined.</summary>
    public RandomNumberGenerator CheckIn { get; }

    /// <summary>A real device: noise and ids from the operating system's generator, batch order seeded by the device id.</summary>
    public static DeviceRandomness ForDevice(string deviceId) => new(null, RandomNumberGenerator.Create(), new Random(Seed(deviceId)));

    /// <summary>A stable seed per device id (the first four bytes of its SHA-256), for what need not be secret.</summary>
    public static int Seed(string deviceId) => BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(deviceId)));

    /// <inheritdoc/>
    public void Dispose()
    {
        Noise.Dispose();
        Ids.Dispose();
        CheckIn.Dispose();
        _noiseSource?.Dispose();
    }
}
