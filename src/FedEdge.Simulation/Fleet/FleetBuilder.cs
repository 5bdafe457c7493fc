using System.Globalization;
using FedEdge.Sensors.Simulated;

namespace FedEdge.Simulation.Fleet;

/// <summary>Draws a heterogeneous fleet from a seed (same seed ⇒ same fleet).</summary>
public static class FleetBuilder
{
    /// <summary>Log-normal σ of per-device speed around the board median.</summary>
    public const double SpeedSigma = 0.35;

    /// <summary>Draws <paramref name="devices"/> profiles.</summary>
    /// <param name="devices">Fleet size.</param>
    /// <param name="boards">Board classes with their shares.</param>
    /// <param name="stragglerFraction">Fraction of devices that are ≥ 10× slower (uniform 10×–20×).</param>
    /// <param name="mainsFraction">Fraction of devices on mains (always available).</param>
    /// <param name="random">Seeded source.</param>
    public static IReadOnlyList<DeviceProfile> Build(int devices, IReadOnlyList<BoardClass> boards, double stragglerFraction, double mainsFraction, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        ArgumentNullException.ThrowIfNull(boards);
        ArgumentNullException.ThrowIfNull(random);
        if (boards.Count == 0 || boards.Any(b => !(b.Share > 0)))
        {
            throw new ArgumentException("At least one board class with a positive share is needed.", nameof(boards));
        }

        double total = boards.Sum(b => b.Share);
        int stragglers = (int)Math.Round(devices * stragglerFraction);
        var stragglerSet = new HashSet<int>(Enumerable.Range(0, devices).OrderBy(_ => random.Next()).Take(stragglers));
        var profiles = new DeviceProfile[devices];
        for (int i = 0; i < devices; i++)
        {
            double pick = random.NextDouble() * total;
            var board = boards[^1];
            foreach (var candidate in boards)
            {
                if (pick < candidate.Share)
                {
                    board = candidate;
                    break;
                }

                pick -= candidate.Share;
            }

            double speed = Math.Exp(SpeedSigma * random.NextGaussian(0, 1));
            bool straggler = stragglerSet.Contains(i);
            if (straggler)
            {
                speed /= 10 + (10 * random.NextDouble());
            }

            bool mains = random.NextDouble() < mainsFraction;
            double start = ((22 + (2 * random.NextGaussian(0, 1))) % 24 + 24) % 24;
            double hours = 6 + (4 * random.NextDouble());
            double latency = 0.05 * Math.Exp(0.5 * random.NextGaussian(0, 1));
            profiles[i] = new DeviceProfile(i, string.Create(CultureInfo.InvariantCulture, $"dev-{i:D4}"), board, speed, straggler, mains, start, hours, latency);
        }

        return profiles;
    }
}
