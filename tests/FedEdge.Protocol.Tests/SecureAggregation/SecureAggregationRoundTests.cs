using FedEdge.Core.SecretSharing;
using FedEdge.Core.SecureAggregation;
using FedEdge.Protocol.SecureAggregation;

namespace FedEdge.Protocol.Tests.SecureAggregation;

/// <summary>
/// One SecAgg+ round with the real key agreement (Bonawitz et al. 2017 §4 rounds 0–4, neighbourhoods per Bell et al. 2020),
/// in memory: advertise keys, share b_u and s_u^SK among neighbours, mask, drop, unmask. Messages stay objects here;
/// their wire form and the MQTT topics wait for the agent/aggregator refactor (issue 2/5).
/// </summary>
public class SecureAggregationRoundTests
{
    private const string Fleet = "home-fleet";
    private const long Round = 42;
    private const int Bits = 16;
    private const int Dimension = 645;

    private sealed class Device : IDisposable
    {
        public required int Index { get; init; }

        public string Id => $"device-{Index:D2}";

        public SecAggKeyPair MaskKey { get; } = SecAggKeyPair.Generate();

        public byte[] SelfSeed { get; } = new byte[32];

        public ushort[] Input { get; } = new ushort[Dimension];

        /// <summary>Shares this device holds, from each neighbour u: (share of b_u, share of s_u^SK).</summary>
        public Dictionary<int, (SecretShare Self, SecretShare Key)> Held { get; } = [];

        public void Dispose() => MaskKey.Dispose();
    }

    private static byte[] Seed(SecAggKeyPair own, Device peer, string ownId)
    {
        var seed = new byte[32];
        Assert.True(PairwiseSeedDerivation.TryDerive(own, peer.MaskKey.PublicKey.Span, SeedPurpose.PairwiseMask, Fleet, Round, ownId, peer.Id, seed));
        return seed;
    }

    [Theory]
    [InlineData(20, 8, 4, 6)]   // 30 % drop after masking
    [InlineData(12, 11, 6, 3)]  // complete graph (plain SecAgg), 25 %
    public void Survivors_sum_is_recovered_exactly_with_the_real_key_agreement(int n, int degree, int threshold, int dropping)
    {
        using var rng = new SeededRandomNumberGenerator(n);
        var random = new Random(n);
        var graphSeed = new byte[32];
        random.NextBytes(graphSeed);
        var graph = SecAggNeighbourhood.Create(n, degree, graphSeed);
        Device[] devices = [.. Enumerable.Range(0, n).Select(i => new Device { Index = i })];
        try
        {
            foreach (Device device in devices)
            {
                rng.GetBytes(device.SelfSeed);
                for (int i = 0; i < Dimension; i++)
                {
                    device.Input[i] = (ushort)random.Next(1 << Bits);
                }
            }

            // Round 1 (ShareKeys): u splits b_u and s_u^SK t-of-k; share j goes to its j-th neighbour.
            foreach (Device u in devices)
            {
                byte[] scalar = u.MaskKey.ExportPrivateScalar();
                SecretShare[] selfShares = ShamirSecretSharing.Split(u.SelfSeed, threshold, graph.Degree, rng);
                SecretShare[] keyShares = ShamirSecretSharing.Split(scalar, threshold, graph.Degree, rng);
                ReadOnlySpan<int> neighbours = graph.Neighbours(u.Index);
                for (int j = 0; j < neighbours.Length; j++)
                {
                    devices[neighbours[j]].Held[u.Index] = (selfShares[j], keyShares[j]);
                }
            }

            // Round 2 (MaskedInputCollection): every device masks; the last `dropping` (by a seeded choice) never deliver.
            int[] dropped = [.. Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(dropping)];
            int[] survivors = [.. Enumerable.Range(0, n).Except(dropped)];
            using var expander = new MaskExpander();
            var maskedSum = new ushort[Dimension];
            foreach (int u in survivors)
            {
                var pairs = new List<PairwiseSeed>();
                foreach (int v in graph.Neighbours(u))
                {
                    pairs.Add(new PairwiseSeed(v, Seed(devices[u].MaskKey, devices[v], devices[u].Id)));
                }

                var masked = new ushort[Dimension];
                PairwiseMasking.Mask(expander, devices[u].Input, Bits, u, devices[u].SelfSeed, pairs, masked);
                ModularVector.Accumulate(maskedSum, masked);
            }

            // Round 4 (Unmasking): each survivor v answers, for each neighbour u, the share of b_u if u survived, else of s_u^SK.
            var selfSeeds = new Dictionary<int, ReadOnlyMemory<byte>>();
            var droppedSeeds = new List<DroppedPairSeed>();
            for (int u = 0; u < n; u++)
            {
                bool survived = survivors.Contains(u);
                List<SecretShare> answers = [.. graph.Neighbours(u).ToArray()
                    .Where(survivors.Contains)
                    .Select(v => survived ? devices[v].Held[u].Self : devices[v].Held[u].Key)];
                ShamirReconstruction secret = ShamirSecretSharing.Reconstruct(answers, threshold, 32);
                Assert.True(secret.Succeeded, $"device {u}: {secret.Detail}");
                if (survived)
                {
                    selfSeeds[u] = secret.Secret.ToArray();
                    continue;
                }

                using SecAggKeyPair rebuilt = SecAggKeyPair.FromPrivateScalar(secret.Secret);
                foreach (int v in graph.Neighbours(u))
                {
                    if (survivors.Contains(v))
                    {
                        droppedSeeds.Add(new DroppedPairSeed(u, v, Seed(rebuilt, devices[v], devices[u].Id)));
                    }
                }
            }

            var sum = new ushort[Dimension];
            UnmaskingResult result = SecAggUnmasking.Unmask(expander, maskedSum, Bits, graph, survivors, n - dropping, selfSeeds, droppedSeeds, sum);

            Assert.True(result.Succeeded, result.Detail);
            for (int i = 0; i < Dimension; i++)
            {
                long plain = survivors.Sum(u => (long)devices[u].Input[i]);
                Assert.Equal((ushort)(plain % (1L << Bits)), sum[i]);
            }
        }
        finally
        {
            foreach (Device device in devices)
            {
                device.Dispose();
            }
        }
    }
}
