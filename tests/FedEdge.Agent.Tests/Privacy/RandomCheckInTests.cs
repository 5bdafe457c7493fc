using System.Security.Cryptography;
using FedEdge.Core.Privacy;
using FedEdge.Device.Privacy;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Privacy;

public sealed class RandomCheckInTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));

    private string LedgerPath => Path.Combine(_dir.Path, "privacy.ledger");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_charged_epsilon_after_T_offers_matches_an_independent_rdp_computation_of_the_subsampled_gaussian()
    {
        // q = 0.1, z = 2.56, δ = 1e-6: the simulator's calibration for ε = 3 and 200 offers. The product minimises over its
        // grid, which holds every integer order 2…64 and 80…1024 plus a few fractional ones below 5; the optimum here is an
        // integer order well above 5, so both minimisations meet at the same order. Tolerance 1e-9 relative: two float64
        // evaluations of the same sum in a different order.
        const double q = 0.1, z = 2.56, delta = 1e-6;
        const int offers = 200;
        using var ledger = Open(epsilon: 100, delta);
        using var coin = new SeededCoin(1);
        var checkIn = CheckIn(ledger, q, z, coin);
        int joined = 0;
        for (ulong v = 1; v <= offers; v++)
        {
            if (checkIn.Offer(v) == CheckInOutcome.Joined)
            {
                checkIn.RecordJoin(v);
                joined++;
            }
        }

        var spent = ledger.Spent();
        var (expected, order) = SubsampledGaussianReference.Epsilon(q, z, offers, delta);

        Assert.Equal(expected, spent.Epsilon, expected * 1e-9);
        Assert.Equal(order, spent.Order);
        Assert.InRange(spent.Epsilon, 2.9, 3.0); // the calibration the docs quote: z = 2.56 affords 200 offers at ε = 3

        // against the aggregator: the joined rounds, unamplified — the Gaussian's RDP α/(2z²) per join (Mironov 2017, Prop. 7)
        Assert.True(joined > 0);
        double againstAggregator = ReferenceGaussianEpsilon(z, joined, delta);
        Assert.Equal(againstAggregator, ledger.SpentAgainstAggregator().Epsilon, againstAggregator * 1e-9);
        Assert.True(ledger.SpentAgainstAggregator().Epsilon > spent.Epsilon || joined < 4);
    }

    [Fact]
    public void The_coin_says_yes_with_probability_q()
    {
        // 100,000 draws at q = 0.1: the fraction of "yes" is within 5 standard deviations, √(q(1−q)/n) ≈ 0.00095 each
        using var coin = new SeededCoin(7);
        const int draws = 100_000;
        int yes = 0;
        for (int i = 0; i < draws; i++)
        {
            yes += RandomCheckIn.Flip(coin, 0.1) ? 1 : 0;
        }

        double sd = Math.Sqrt(0.1 * 0.9 / draws);
        Assert.InRange((double)yes / draws, 0.1 - 5 * sd, 0.1 + 5 * sd);
    }

    [Fact]
    public void Offers_join_with_probability_q_and_every_offer_is_charged_once()
    {
        // 1,000 offers at q = 0.3: joins within 5 standard deviations of 300 (σ ≈ 14.5); the ledger holds one offer record per version
        using var ledger = Open(epsilon: 1e6, delta: 1e-5);
        using var coin = new SeededCoin(3);
        var checkIn = CheckIn(ledger, 0.3, 1.0, coin);
        int joined = 0;
        for (ulong v = 1; v <= 1000; v++)
        {
            joined += checkIn.Offer(v) == CheckInOutcome.Joined ? 1 : 0;
            Assert.Equal(checkIn.Offer(v) == CheckInOutcome.Joined, checkIn.Joined(v)); // asking again draws nothing
        }

        double sd = Math.Sqrt(1000 * 0.3 * 0.7);
        Assert.InRange(joined, 300 - 5 * sd, 300 + 5 * sd);
        Assert.Equal(1000, ledger.Entries.Count(e => e.Kind == MechanismKind.CheckInOffer));
        Assert.All(ledger.Entries, e => Assert.Equal((0.3, 1.0, 1L), (e.SamplingRate, e.NoiseMultiplier, e.Steps)));
    }

    [Fact]
    public void The_offer_is_charged_before_the_coin_is_looked_at()
    {
        using var ledger = Open(epsilon: 10, delta: 1e-5);
        using var coin = new FailingCoin();
        var checkIn = CheckIn(ledger, 0.5, 2.0, coin);

        Assert.Throws<CryptographicException>(() => checkIn.Offer(4));

        var entry = Assert.Single(ledger.Entries);
        Assert.Equal((MechanismKind.CheckInOffer, 4L), (entry.Kind, entry.ModelVersion));
        Assert.Equal(CheckInOutcome.Declined, checkIn.Offer(4)); // the charged offer stands; its coin is unknown, so no
        Assert.Single(ledger.Entries);
    }

    [Fact]
    public void An_offer_is_not_charged_again_after_a_restart_and_its_unknown_coin_counts_as_no()
    {
        double before;
        using (var ledger = Open(epsilon: 10, delta: 1e-5))
        using (var coin = new SeededCoin(11))
        {
            var checkIn = CheckIn(ledger, 0.999, 2.0, coin);
            for (ulong v = 1; v <= 5; v++)
            {
                checkIn.Offer(v);
            }

            Assert.True(checkIn.Joined(5));
            before = ledger.Spent().Epsilon;
        }

        _time.Advance(TimeSpan.FromMinutes(10));
        using var reopened = Open(epsilon: 10, delta: 1e-5);
        using var other = new SeededCoin(12);
        var restarted = CheckIn(reopened, 0.999, 2.0, other);

        Assert.Equal(CheckInOutcome.Declined, restarted.Offer(5));
        Assert.Equal(5, reopened.Entries.Count);
        Assert.Equal(before, reopened.Spent().Epsilon);
        Assert.Throws<InvalidOperationException>(() => restarted.RecordJoin(5));

        // a version never offered is a new offer
        Assert.Equal(CheckInOutcome.Joined, restarted.Offer(6));
        Assert.Equal(6, reopened.Entries.Count);
    }

    [Fact]
    public void A_declined_version_still_current_after_the_reoffer_interval_is_a_new_charged_offer()
    {
        using var ledger = Open(epsilon: 100, delta: 1e-5);
        using var coin = new SeededCoin(5);
        var checkIn = CheckIn(ledger, 1e-9, 2.0, coin);

        Assert.Equal(CheckInOutcome.Declined, checkIn.Offer(9));
        _time.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(CheckInOutcome.Declined, checkIn.Offer(9));
        Assert.Single(ledger.Entries);

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(CheckInOutcome.Declined, checkIn.Offer(9));
        Assert.Equal(2, ledger.Entries.Count);
    }

    [Fact]
    public void A_joined_round_adds_no_charge_but_counts_against_the_aggregator_once_recorded()
    {
        using var ledger = Open(epsilon: 10, delta: 1e-5);
        using var coin = new SeededCoin(2);
        var checkIn = CheckIn(ledger, 0.999, 2.0, coin);
        Assert.Equal(CheckInOutcome.Joined, checkIn.Offer(1));
        double charged = ledger.Spent().Epsilon;
        Assert.Equal(0, ledger.SpentAgainstAggregator().Epsilon);

        var join = checkIn.RecordJoin(1);

        Assert.Equal((MechanismKind.CheckInJoin, 1.0, 1L), (join.Kind, join.SamplingRate, join.ModelVersion));
        Assert.Equal(charged, ledger.Spent().Epsilon);
        Assert.Equal(ReferenceGaussianEpsilon(2.0, 1, 1e-5), ledger.SpentAgainstAggregator().Epsilon, 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Reserve(MechanismKind.CheckInJoin, checkIn.Release, 2));
        Assert.Throws<InvalidOperationException>(() => ledger.RecordJoin(checkIn.Release, 2)); // no offer of v2: nobody paid
    }

    [Fact]
    public void Offers_stop_when_the_budget_cannot_afford_the_next_one()
    {
        using var ledger = Open(epsilon: 1, delta: 1e-5);
        using var coin = new SeededCoin(4);
        var checkIn = CheckIn(ledger, 0.5, 2.0, coin);
        ulong v = 0;
        while (checkIn.Offer(++v) != CheckInOutcome.BudgetExhausted)
        {
            Assert.True(v < 1000);
        }

        Assert.Equal((int)v - 1, ledger.Entries.Count);
        Assert.InRange(ledger.Spent().Epsilon, 0, 1);
        Assert.False(checkIn.Affords(v));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_rate_outside_zero_to_one_is_refused(double rate)
    {
        using var ledger = Open(epsilon: 1, delta: 1e-5);
        using var coin = new SeededCoin(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => CheckIn(ledger, rate, 2.0, coin));
    }

    /// <summary>ε of <paramref name="releases"/> Gaussian releases: RDP = n·α/(2z²) at every order of the ledger's grid, same conversion.</summary>
    private static double ReferenceGaussianEpsilon(double z, int releases, double delta) =>
        RdpAccountant.DefaultOrders.Min(alpha =>
            releases * alpha / (2 * z * z) + Math.Log((alpha - 1) / alpha) - (Math.Log(delta) + Math.Log(alpha)) / (alpha - 1));

    private RandomCheckIn CheckIn(PrivacyLedger ledger, double q, double z, RandomNumberGenerator coin) =>
        new(ledger, q, z, TimeSpan.FromMinutes(30), coin, _time);

    private PrivacyLedger Open(double epsilon, double delta) =>
        PrivacyLedger.Open(LedgerPath, new PrivacyBudget(epsilon, delta), new RdpAccountant(), _time);

    /// <summary>A reproducible stand-in for the cryptographic coin (tests only).</summary>
    private sealed class SeededCoin(int seed) : RandomNumberGenerator
    {
        private readonly Random _random = new(seed);

        public override void GetBytes(byte[] data) => _random.NextBytes(data);

        public override void GetBytes(Span<byte> data) => _random.NextBytes(data);
    }

    private sealed class FailingCoin : RandomNumberGenerator
    {
        public override void GetBytes(byte[] data) => throw new CryptographicException("the coin's source failed");

        public override void GetBytes(Span<byte> data) => throw new CryptographicException("the coin's source failed");
    }
}
