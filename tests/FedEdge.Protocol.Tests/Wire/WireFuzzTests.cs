using System.Diagnostics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Protocol.Tests.Wire;

/// <summary>
/// Random and mutated payloads into every parse entry point: nothing may escape as an exception,
/// every input is either a valid message or a rejection with a reason, and no input makes the
/// parser allocate more than a small multiple of its size.
/// </summary>
public class WireFuzzTests
{
    private const int InputsPerEntryPoint = 100_000;

    // Allocation allowed for one parse: a fixed part (parser stream with its 4 KiB buffer, result,
    // message objects, reason strings) plus a multiple of the input (byte fields are copied once,
    // strings are UTF-16, and a packed uint32 list grows by doubling: the arrays allocated on the way
    // sum to < 4 × its final length ≤ 4 × 2n slots of 4 bytes for n one-byte varints, i.e. 16 bytes
    // per input byte, plus slack for the copies of the other fields).
    private const long FixedAllowance = 32 << 10;
    private const long PerByteAllowance = 20;
    private const int WarmUpInputs = 2_000;

    private readonly WireParser _parser = new();

    [Fact]
    public void ParseModelUpdate_survives_100000_fuzzed_payloads() =>
        Fuzz("ModelUpdate", WireSamples.ModelUpdate().ToByteArray(), seed: 11, bombTags: [Pattern(9, 2, 0), Pattern(3, 2, 1, (byte)'a'), Pattern(8, 2, 0)]);

    [Fact]
    public void ParseGlobalModel_survives_100000_fuzzed_payloads() =>
        Fuzz("GlobalModel", WireSamples.GlobalModel().ToByteArray(), seed: 12, bombTags: [Pattern(8, 2, 0), Pattern(8, 2, 2, 0x1A, 0x00), Pattern(3, 2, 1, (byte)'f')]);

    [Fact]
    public void ParseDeviceStatus_survives_100000_fuzzed_payloads() =>
        Fuzz("DeviceStatus", WireSamples.DeviceStatus().ToByteArray(), seed: 13, bombTags: [Pattern(2, 2, 1, (byte)'d'), Pattern(4, 0, 1), Pattern(6, 1, 0, 0, 0, 0, 0, 0, 0, 0)]);

    [Fact]
    public void ParsePace_survives_100000_fuzzed_payloads() =>
        Fuzz("Pace", WireSamples.Pace().ToByteArray(), seed: 14, bombTags: [Pattern(4, 2, 0), Pattern(4, 2, 2, 0x10, 0x01), Pattern(2, 2, 1, (byte)'p')]);

    private void Fuzz(string kind, byte[] valid, int seed, byte[][] bombTags)
    {
        var rng = new Random(seed);
        Func<ReadOnlySpan<byte>, (WireError Error, string Reason)> parse = WireParserTests.Entry(_parser, kind);
        byte[][] others =
        [
            WireSamples.ModelUpdate().ToByteArray(),
            WireSamples.GlobalModel().ToByteArray(),
            WireSamples.DeviceStatus().ToByteArray(),
            WireSamples.Pace().ToByteArray(),
        ];
        // Warm-up with another seed: the first parse of a message type builds its descriptors, and
        // the first exception of a kind loads resources; both allocate once per process, not per input.
        var warmUp = new Random(seed + 1000);
        for (int i = 0; i < WarmUpInputs; i++)
        {
            _ = parse(Mutate(warmUp.Next(10), valid, others, bombTags, warmUp));
        }

        var outcomes = new Dictionary<WireError, int>();
        long worstExcess = long.MinValue;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < InputsPerEntryPoint; i++)
        {
            int strategy = rng.Next(10);
            byte[] input = Mutate(strategy, valid, others, bombTags, rng);
            (WireError error, string reason) outcome;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                outcome = parse(input);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"strategy {strategy}, input {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 256)))}: {e}");
                throw;
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long excess = allocated - (FixedAllowance + (PerByteAllowance * input.Length));
            worstExcess = Math.Max(worstExcess, excess);
            Assert.True(excess <= 0, $"strategy {strategy}: {input.Length} bytes allocated {allocated} bytes ({outcome.error})");
            Assert.False(string.IsNullOrWhiteSpace(outcome.reason), $"strategy {strategy}: empty reason");
            outcomes[outcome.error] = outcomes.GetValueOrDefault(outcome.error) + 1;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{kind}: {InputsPerEntryPoint} inputs in {clock.ElapsedMilliseconds} ms; "
            + string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))
            + $"; worst allocation margin {-worstExcess} bytes");
        Assert.True(outcomes.GetValueOrDefault(WireError.None) > 0, "no input was accepted: the mutations never keep a message valid");
        Assert.True(outcomes.Count >= 4, "the mutations reach too few kinds of rejection");
    }

    private static byte[] Mutate(int strategy, byte[] valid, byte[][] others, byte[][] bombTags, Random rng)
    {
        switch (strategy)
        {
            case 0: // bit flips
            {
                byte[] copy = (byte[])valid.Clone();
                for (int flips = rng.Next(1, 9); flips > 0; flips--)
                {
                    copy[rng.Next(copy.Length)] ^= (byte)(1 << rng.Next(8));
                }

                return copy;
            }

            case 1: // truncation
                return valid[..rng.Next(valid.Length)];

            case 2: // random bytes of random length
            {
                byte[] random = new byte[rng.Next(0, 600)];
                rng.NextBytes(random);
                return random;
            }

            case 3: // boundary bytes written over lengths and varints
            {
                byte[] copy = (byte[])valid.Clone();
                ReadOnlySpan<byte> interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF];
                for (int n = rng.Next(1, 5); n > 0; n--)
                {
                    copy[rng.Next(copy.Length)] = interesting[rng.Next(interesting.Length)];
                }

                return copy;
            }

            case 4: // random bytes spliced in
            {
                byte[] chunk = new byte[rng.Next(1, 33)];
                rng.NextBytes(chunk);
                int at = rng.Next(valid.Length + 1);
                return [.. valid.AsSpan(0, at), .. chunk, .. valid.AsSpan(at)];
            }

            case 5: // repeated-field bomb, or a packed varint bomb
            {
                var bytes = new List<byte>(valid);
                if (rng.Next(4) == 0)
                {
                    // GlobalModel.subsets[].index_deltas / Pace.windows / other types: a bytes or unknown field.
                    int count = rng.Next(1, 100_000);
                    var inner = new List<byte>(WireSamples.Tag(3, 2));
                    WireSamples.AppendVarint(inner, (ulong)count);
                    bytes.AddRange(WireSamples.Tag(rng.Next(2) == 0 ? 8 : 4, 2));
                    WireSamples.AppendVarint(bytes, (ulong)(inner.Count + count));
                    byte[] bomb = new byte[bytes.Count + inner.Count + count];
                    bytes.CopyTo(bomb);
                    inner.CopyTo(bomb, bytes.Count);
                    bomb.AsSpan(bytes.Count + inner.Count).Fill(1);
                    return bomb;
                }

                byte[] pattern = bombTags[rng.Next(bombTags.Length)];
                for (int n = rng.Next(1, 3000); n > 0; n--)
                {
                    bytes.AddRange(pattern);
                }

                return [.. bytes];
            }

            case 6: // deeply nested unknown groups, sometimes unterminated or mis-terminated
            {
                int depth = rng.Next(1, 300);
                var bytes = new List<byte>(valid);
                for (int d = 0; d < depth; d++)
                {
                    bytes.AddRange(WireSamples.Tag(100 + (d % 3), 3));
                }

                int closed = rng.Next(3) == 0 ? rng.Next(depth + 1) : depth;
                for (int d = closed - 1; d >= 0; d--)
                {
                    bytes.AddRange(WireSamples.Tag(100 + (rng.Next(20) == 0 ? 7 : d % 3), 4));
                }

                return [.. bytes];
            }

            case 7: // a random unknown field appended
            {
                int wireType = rng.Next(8);
                var bytes = new List<byte>(valid);
                WireSamples.AppendVarint(bytes, ((ulong)rng.Next(1, 1 << 29) << 3) | (uint)wireType);
                byte[] value = new byte[rng.Next(0, 16)];
                rng.NextBytes(value);
                if (wireType == 2)
                {
                    WireSamples.AppendVarint(bytes, (ulong)value.Length);
                }

                bytes.AddRange(value);
                return [.. bytes];
            }

            case 8: // concatenations (protobuf merges them), including other message types
                return [.. valid, .. others[rng.Next(others.Length)]];

            default: // well-formed protobuf with random field values: exercises the semantic rules
                return RandomFieldValues(valid, rng);
        }
    }

    private static byte[] RandomFieldValues(byte[] valid, Random rng)
    {
        // Replace one top-level field with a random value of the right wire type, re-encoding the message.
        var fields = new List<(int Field, int WireType, byte[] Value)>();
        var input = new CodedInputStream(valid);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int wireType = (int)(tag & 7);
            byte[] value = wireType switch
            {
                0 => BitConverter.GetBytes(input.ReadUInt64()),
                1 => BitConverter.GetBytes(input.ReadFixed64()),
                5 => BitConverter.GetBytes(input.ReadFixed32()),
                _ => input.ReadBytes().ToByteArray(),
            };
            fields.Add(((int)(tag >> 3), wireType, value));
        }

        int victim = rng.Next(fields.Count);
        var (field, type, old) = fields[victim];
        byte[] replacement = type switch
        {
            0 => BitConverter.GetBytes(rng.Next(4) switch { 0 => 0UL, 1 => ulong.MaxValue, 2 => (ulong)rng.Next(0, 10), _ => (ulong)rng.NextInt64() }),
            1 => BitConverter.GetBytes(rng.Next(3) switch { 0 => double.NaN, 1 => -rng.NextDouble(), _ => rng.NextDouble() * 10 }),
            _ => RandomBytes(rng, old.Length),
        };
        fields[victim] = (field, type, replacement);

        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (f, t, v) in fields)
        {
            output.WriteTag(f, (WireFormat.WireType)t);
            switch (t)
            {
                case 0:
                    output.WriteUInt64(BitConverter.ToUInt64(v));
                    break;
                case 1:
                    output.WriteFixed64(BitConverter.ToUInt64(v));
                    break;
                case 5:
                    output.WriteFixed32(BitConverter.ToUInt32(v));
                    break;
                default:
                    output.WriteBytes(ByteString.CopyFrom(v));
                    break;
            }
        }

        output.Flush();
        return buffer.ToArray();
    }

    private static byte[] RandomBytes(Random rng, int around)
    {
        byte[] bytes = new byte[Math.Max(0, around + rng.Next(-2, 3))];
        if (rng.Next(2) == 0)
        {
            rng.NextBytes(bytes);
        }
        else
        {
            const string chars = "abcXYZ019_-/+# é";
            for (int i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)chars[rng.Next(chars.Length - 1)];
            }
        }

        return bytes;
    }

    private static byte[] Pattern(int field, int wireType, params byte[] value) => [.. WireSamples.Tag(field, wireType), .. value];
}
