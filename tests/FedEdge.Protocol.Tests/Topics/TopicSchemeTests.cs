using FedEdge.Protocol.Topics;
using FsCheck.Xunit;

namespace FedEdge.Protocol.Tests.Topics;

public class TopicSchemeTests
{
    private const string IdChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

    [Fact]
    public void Builders_write_the_v1_topic_names()
    {
        Assert.Equal("fededge/v1/home-42/model", TopicScheme.Model("home-42"));
        Assert.Equal("fededge/v1/home-42/pace", TopicScheme.Pace("home-42"));
        Assert.Equal("fededge/v1/home-42/updates/pi_1", TopicScheme.Updates("home-42", "pi_1"));
        Assert.Equal("fededge/v1/home-42/status/pi_1", TopicScheme.Status("home-42", "pi_1"));
        Assert.Equal("fededge/v1/home-42/predictions/pi_1", TopicScheme.Predictions("home-42", "pi_1"));
        Assert.Equal("fededge/v1/home-42/feedback/pi_1", TopicScheme.Feedback("home-42", "pi_1"));
        Assert.Equal("fededge/v1/home-42/availability/pi_1", TopicScheme.Availability("home-42", "pi_1"));
        Assert.Equal("fededge/v1/home-42/diagnostics/pi_1", TopicScheme.Diagnostics("home-42", "pi_1"));
        Assert.Equal("fededge/v1/home-42/availability/+", TopicScheme.AllAvailabilityFilter("home-42"));
        Assert.Equal("fededge/v1/home-42/secagg/pi_1", TopicScheme.SecAgg("home-42", "pi_1"));
        Assert.Equal("fededge/v1/home-42/secagg-inbox/pi_1", TopicScheme.SecAggInbox("home-42", "pi_1"));
        Assert.Equal("fededge/v1/home-42/secagg/+", TopicScheme.AllSecAggFilter("home-42"));
    }

    [Fact]
    public void SharedUpdatesSubscription_is_the_aggregators_share_of_all_update_topics()
    {
        Assert.Equal("$share/aggregators/fededge/v1/home-42/updates/+", TopicScheme.SharedUpdatesSubscription("home-42"));
    }

    [Property(MaxTest = 300)]
    public void TryParse_reads_back_what_Format_wrote(int seed)
    {
        var rng = new Random(seed);
        var kinds = Enum.GetValues<TopicKind>();
        var kind = kinds[rng.Next(kinds.Length)];
        bool perDevice = TopicScheme.IsPerDevice(kind);
        var address = new TopicAddress(kind, RandomId(rng), perDevice ? RandomId(rng) : null);

        bool ok = TopicScheme.TryParse(TopicScheme.Format(address), out TopicAddress back, out string? reason);

        Assert.True(ok, reason);
        Assert.Equal(address, back);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fededge/v1")]
    [InlineData("fededge/v1/")]
    [InlineData("fededge/v1/home")]
    [InlineData("fededge/v1//model")]
    [InlineData("fededge/v1/+/model")]
    [InlineData("fededge/v1/#")]
    [InlineData("fededge/v1/home/#")]
    [InlineData("fededge/v1/home/updates")]
    [InlineData("fededge/v1/home/updates/")]
    [InlineData("fededge/v1/home/updates/+")]
    [InlineData("fededge/v1/home/updates/#")]
    [InlineData("fededge/v1/home/updates/pi/extra")]
    [InlineData("fededge/v1/home/status/pi/")]
    [InlineData("fededge/v1/home/model/pi")]
    [InlineData("fededge/v1/home/pace/pi")]
    [InlineData("fededge/v1/home/feedback")]
    [InlineData("fededge/v1/home/feedback/+")]
    [InlineData("fededge/v1/home/availability")]
    [InlineData("fededge/v1/home/availability/pi.local")]
    [InlineData("fededge/v1/home/diagnostics/+")]
    [InlineData("fededge/v1/home/telemetry/pi")]
    [InlineData("fededge/v1/home/secagg")]
    [InlineData("fededge/v1/home/secagg-inbox/+")]
    [InlineData("fededge/v1/home/secagg_inbox/pi")]
    [InlineData("fededge/v1/home/MODEL")]
    [InlineData("fededge/v2/home/model")]
    [InlineData("FedEdge/v1/home/model")]
    [InlineData("/fededge/v1/home/model")]
    [InlineData("$share/aggregators/fededge/v1/home/updates/+")]
    [InlineData("$SYS/broker/uptime")]
    [InlineData("fededge/v1/ho me/model")]
    [InlineData("fededge/v1/home/updates/pi\u0000")]
    [InlineData("fededge/v1/hôme/model")]
    [InlineData("fededge/v1/home/updates/p\u200Bi")]
    public void TryParse_rejects_a_hostile_or_malformed_topic(string topic)
    {
        bool ok = TopicScheme.TryParse(topic, out _, out string? reason);

        Assert.False(ok);
        Assert.False(string.IsNullOrWhiteSpace(reason));
    }

    [Fact]
    public void TryParse_rejects_a_device_id_longer_than_64_characters()
    {
        bool ok = TopicScheme.TryParse("fededge/v1/home/updates/" + new string('d', 65), out _, out string? reason);

        Assert.False(ok);
        Assert.Contains("65 characters", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_rejects_a_topic_longer_than_the_bound()
    {
        bool ok = TopicScheme.TryParse("fededge/v1/" + new string('a', 300), out _, out string? reason);

        Assert.False(ok);
        Assert.Contains("at most 256", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_rejects_null()
    {
        Assert.False(TopicScheme.TryParse(null, out _, out _));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    [InlineData("$sys")]
    [InlineData("")]
    public void Builders_refuse_an_id_that_would_break_the_topic_structure(string id)
    {
        Assert.Throws<ArgumentException>(() => TopicScheme.Updates("home", id));
        Assert.Throws<ArgumentException>(() => TopicScheme.Model(id));
    }

    [Fact]
    public void Format_refuses_a_device_on_a_fleet_wide_topic()
    {
        Assert.Throws<ArgumentException>(() => TopicScheme.Format(new TopicAddress(TopicKind.Model, "home", "pi")));
        Assert.Throws<ArgumentException>(() => TopicScheme.Format(new TopicAddress(TopicKind.Status, "home", null)));
    }

    private static string RandomId(Random rng)
    {
        char[] chars = new char[rng.Next(1, 65)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = IdChars[rng.Next(IdChars.Length)];
        }

        return new string(chars);
    }
}
