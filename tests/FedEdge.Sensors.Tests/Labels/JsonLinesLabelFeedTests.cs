using FedEdge.Sensors.Labels;

namespace FedEdge.Sensors.Tests.Labels;

public class JsonLinesLabelFeedTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 17, 5, 0, TimeSpan.Zero);

    [Fact]
    public void Poll_pushes_each_complete_line_into_the_inbox()
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText("labels.jsonl", "{\"time\":\"2026-03-01T18:05:00+01:00\",\"label\":\"cooking\"}\n");
        var inbox = new FeedbackLabelInbox();

        var result = new JsonLinesLabelFeed(path, inbox).Poll();

        Assert.Equal(1, result.Accepted);
        Assert.True(inbox.TryGetLabel(T0, T0.AddMinutes(5), out var label));
        Assert.Equal("cooking", label);
    }

    [Fact]
    public void Poll_reads_only_what_was_appended_since_the_last_poll()
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText("labels.jsonl", "{\"time\":\"2026-03-01T17:05:00Z\",\"label\":\"cooking\"}\n");
        var inbox = new FeedbackLabelInbox();
        var feed = new JsonLinesLabelFeed(path, inbox);
        feed.Poll();

        File.AppendAllText(path, "{\"time\":\"2026-03-01T20:00:00Z\",\"label\":\"relaxing\"}\n");
        var second = feed.Poll();

        Assert.Equal(1, second.Accepted);
        Assert.Equal(2, inbox.Count);
    }

    [Fact]
    public void An_unfinished_line_waits_for_its_newline()
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText("labels.jsonl", "{\"time\":\"2026-03-01T17:05:00Z\",\"lab");
        var inbox = new FeedbackLabelInbox();
        var feed = new JsonLinesLabelFeed(path, inbox);

        var first = feed.Poll();
        File.AppendAllText(path, "el\":\"cooking\"}\n");
        var second = feed.Poll();

        Assert.Equal((0, 0), (first.Accepted, first.Rejected));
        Assert.Equal(1, second.Accepted);
    }

    [Fact]
    public void Bad_lines_are_counted_and_skipped_with_the_line_number()
    {
        using var dir = new TempDirectory();
        string path = dir.WriteText(
            "labels.jsonl",
            "{\"time\":\"2026-03-01T17:05:00Z\",\"label\":\"cooking\"}\nnot json\n{\"time\":\"2026-03-01 17:05\",\"label\":\"x\"}\n");
        var inbox = new FeedbackLabelInbox();

        var result = new JsonLinesLabelFeed(path, inbox).Poll();

        Assert.Equal(1, result.Accepted);
        Assert.Equal(2, result.Rejected);
        Assert.StartsWith("line 3:", result.LastProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_empty_poll()
    {
        using var dir = new TempDirectory();

        var result = new JsonLinesLabelFeed(dir.File("absent.jsonl"), new FeedbackLabelInbox()).Poll();

        Assert.Equal(new LabelFeedResult(0, 0, null), result);
    }
}
