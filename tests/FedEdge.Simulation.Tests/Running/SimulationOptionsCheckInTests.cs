using FedEdge.Core.Privacy;
using FedEdge.Device.Contribution;
using FedEdge.Simulation.Running;

namespace FedEdge.Simulation.Tests.Running;

public sealed class SimulationOptionsCheckInTests
{
    [Fact]
    public void Without_check_ins_the_noise_affords_the_contributions_as_before()
    {
        var options = new SimulationOptions { Privacy = ContributionPrivacy.UserLevel, Epsilon = 3, Delta = 1e-6, ContributionsPerDevice = 20 };
        var accountant = new RdpAccountant();

        Assert.Equal(20, options.OfferedRounds);
        Assert.Equal(accountant.MinimumNoiseMultiplier(3, 1e-6, 1.0, 20), options.UserLevelNoiseMultiplier(accountant));
        Assert.DoesNotContain("check-in", options.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.1, 200)]
    [InlineData(0.3, 67)]
    [InlineData(0.5, 40)]
    public void With_check_ins_the_noise_affords_the_expected_joins_divided_by_q_offers(double q, long offers)
    {
        var options = new SimulationOptions { Privacy = ContributionPrivacy.UserLevel, Epsilon = 3, Delta = 1e-6, ContributionsPerDevice = 20, CheckInRate = q };
        var accountant = new RdpAccountant();

        double z = options.UserLevelNoiseMultiplier(accountant);

        Assert.Equal(offers, options.OfferedRounds);
        Assert.InRange(accountant.GetPrivacySpent(new SubsampledGaussian(q, z, offers), 1e-6).Epsilon, 2.99, 3.0);
        Assert.True(z < accountant.MinimumNoiseMultiplier(3, 1e-6, 1.0, 20));
        Assert.Contains($"check-in q={q}", options.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ContributionPrivacy.None)]
    [InlineData(ContributionPrivacy.SampleLevel)]
    public void Check_ins_without_user_level_DP_are_refused(ContributionPrivacy privacy)
    {
        var options = new SimulationOptions { Privacy = privacy, CheckInRate = 0.2 };

        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("--checkin-rate below 1 needs --dp user", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5000, 0.02, 100, true)]   // one version brings at most 100 joins: a group of 100 needs the whole fleet
    [InlineData(5000, 0.02, 51, true)]
    [InlineData(5000, 0.02, 50, false)]
    [InlineData(1000, 0.1, 50, false)]
    [InlineData(1000, 1.0, 500, false)]   // no check-ins: every eligible home joins
    public void A_buffer_above_half_of_the_joins_one_version_can_bring_is_advised_against(int homes, double q, int buffer, bool advised)
    {
        var options = new SimulationOptions
        {
            Devices = homes, Privacy = ContributionPrivacy.Distributed, Strategies = [FedEdge.Aggregation.Engine.StrategyKind.FedBuff],
            CheckInRate = q, BufferSize = buffer, Epsilon = 3, Delta = 1e-6, ContributionsPerDevice = 1,
        };

        var advisories = options.Advisories();

        if (advised)
        {
            string advice = Assert.Single(advisories);
            Assert.Contains($"--buffer {buffer} needs {buffer} joins", advice, StringComparison.Ordinal);
            Assert.Contains("q·homes = 100", advice, StringComparison.Ordinal);
            Assert.EndsWith("a buffer of at most 50 keeps them coming", advice, StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(advisories);
        }
    }
}
