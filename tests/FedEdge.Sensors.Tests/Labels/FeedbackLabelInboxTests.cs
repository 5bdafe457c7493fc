using FedEdge.Sensors.Labels;

namespace FedEdge.Sensors.Tests.Labels;

public class FeedbackLabelInboxTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_label_applies_to_a_window_overlapping_its_validity()
    {
        var inbox = new FeedbackLabelInbox(new FeedbackLabelOptions { ValidFor = TimeSpan.FromMinutes(10) });
        Assert.True(inbox.TryPush(new LabelEvent(T0, "cooking"), out _));

        Assert.True(inbox.TryGetLabel(T0.AddMinutes(5), T0.AddMinutes(10), out var label));
        Assert.Equal("cooking", label);
    }

    [Fact]
    public void A_window_after_the_validity_gets_no_label()
    {
        var inbox = new FeedbackLabelInbox(new FeedbackLabelOptions { ValidFor = TimeSpan.FromMinutes(10) });
        inbox.TryPush(new LabelEvent(T0, "cooking"), out _);

        Assert.False(inbox.TryGetLabel(T0.AddMinutes(11), T0.AddMinutes(16), out _));
    }

    [Fact]
    public void The_latest_label_before_the_window_end_wins()
    {
        var inbox = new FeedbackLabelInbox();
        inbox.TryPush(new LabelEvent(T0, "cooking"), out _);
        inbox.TryPush(new LabelEvent(T0.AddMinutes(3), "cleaning"), out _);
        inbox.TryPush(new LabelEvent(T0.AddMinutes(30), "sleeping"), out _);

        Assert.True(inbox.TryGetLabel(T0, T0.AddMinutes(5), out var label));
        Assert.Equal("cleaning", label);
    }

    [Fact]
    public void An_empty_label_is_refused_with_a_reason()
    {
        var inbox = new FeedbackLabelInbox();

        Assert.False(inbox.TryPush(new LabelEvent(T0, " "), out var problem));
        Assert.Contains("empty", problem, StringComparison.Ordinal);
        Assert.Equal(0, inbox.Count);
    }

    [Fact]
    public void A_full_inbox_drops_its_earliest_label()
    {
        var inbox = new FeedbackLabelInbox(new FeedbackLabelOptions { Capacity = 2 });
        inbox.TryPush(new LabelEvent(T0, "a"), out _);
        inbox.TryPush(new LabelEvent(T0.AddHours(1), "b"), out _);
        inbox.TryPush(new LabelEvent(T0.AddHours(2), "c"), out _);

        Assert.Equal(2, inbox.Count);
        Assert.False(inbox.TryGetLabel(T0, T0.AddMinutes(1), out _));
    }
}
