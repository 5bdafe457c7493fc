using FedEdge.Sensors.Features;
using System.Text;
using FedEdge.Device.Feedback;
using FedEdge.Device.Prediction;
using FedEdge.Sensors.Labels;

namespace FedEdge.Agent.Tests.Feedback;

public sealed class FeedbackMessageTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 18, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(1);
    private static readonly LabelSet Labels = new(SmartHomeSchema.ClassNames);

    private static (bool Ok, LabelEvent Event, string? Problem) Parse(string json)
    {
        bool ok = FeedbackMessage.TryParse(Encoding.UTF8.GetBytes(json), Labels, Now, MaxAge, out var labelEvent, out string? problem);
        return (ok, labelEvent, problem);
    }

    [Fact]
    public void TryParse_accepts_a_known_label_name_with_its_time()
    {
        var (ok, labelEvent, problem) = Parse("""{"label":"cooking","at":"2026-11-25T18:05:00Z"}""");

        Assert.True(ok, problem);
        Assert.Equal(new LabelEvent(new DateTimeOffset(2026, 11, 25, 18, 5, 0, TimeSpan.Zero), "cooking"), labelEvent);
    }

    [Fact]
    public void TryParse_accepts_a_class_index_and_dates_it_at_receipt_when_at_is_absent()
    {
        var (ok, labelEvent, problem) = Parse("""{"label":2}""");

        Assert.True(ok, problem);
        Assert.Equal(new LabelEvent(Now, Labels.Name(2)), labelEvent);
    }

    [Fact]
    public void TryParse_ignores_unknown_properties()
    {
        var (ok, labelEvent, problem) = Parse("""{"source":"ha","label":"sleeping","extra":{"a":1}}""");

        Assert.True(ok, problem);
        Assert.Equal("sleeping", labelEvent.Label);
    }

    [Fact]
    public void TryParse_refuses_a_payload_above_the_size_bound_before_parsing()
    {
        var (ok, _, problem) = Parse("{\"label\":\"cooking\",\"pad\":\"" + new string('x', FeedbackMessage.MaxBytes) + "\"}");

        Assert.False(ok);
        Assert.Contains($"more than {FeedbackMessage.MaxBytes}", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"at":"2026-11-25T18:05:00Z"}""", "no \"label\"")]
    [InlineData("""{"label":true}""", "must be a class name or a class index")]
    [InlineData("""{"label":"cooking","at":"yesterday"}""", "ISO 8601")]
    public void TryParse_refuses_malformed_payloads_with_the_reason(string json, string reason)
    {
        var (ok, _, problem) = Parse(json);

        Assert.False(ok);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_refuses_a_label_the_model_does_not_know_and_lists_the_known_ones()
    {
        var (ok, _, problem) = Parse("""{"label":"fall"}""");

        Assert.False(ok);
        Assert.Contains("unknown label \"fall\" (known: empty, sleeping, cooking, working, exercising)", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("5")]
    [InlineData("1.5")]
    public void TryParse_refuses_a_class_index_outside_the_label_set(string index)
    {
        var (ok, _, problem) = Parse("{\"label\":" + index + "}");

        Assert.False(ok);
        Assert.Contains("integer from 0 to 4", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_refuses_a_time_older_than_the_kept_windows()
    {
        var (ok, _, problem) = Parse("""{"label":"cooking","at":"2026-11-25T17:29:00Z"}""");

        Assert.False(ok);
        Assert.Contains("older than 60 min", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_refuses_a_time_beyond_the_clock_skew_allowance()
    {
        var (ok, _, problem) = Parse("""{"label":"cooking","at":"2026-11-25T18:32:00Z"}""");

        Assert.False(ok);
        Assert.Contains("lies in the future", problem, StringComparison.Ordinal);
    }
}
