using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FedEdge.Sensors.Labels;

/// <summary>
/// Follows a local JSON-lines file of user feedback — one object per line,
/// <c>{"time":"2026-03-01T18:05:00+01:00","label":"cooking"}</c> — and pushes each new record into a
/// <see cref="FeedbackLabelInbox"/>. Each <see cref="Poll"/> reads only what was appended since the
/// last; a line without its newline yet waits for the next poll; a file that shrank (rotated) is
/// read again from the start. Bad lines are counted and skipped, never thrown.
/// </summary>
/// <remarks>
/// Polling rather than <see cref="FileSystemWatcher"/>: inotify misses writes over some network and
/// FUSE mounts, and the agent already has a sampling loop to poll from. Not thread-safe: one loop polls.
/// </remarks>
public sealed class JsonLinesLabelFeed
{
    /// <summary>Longest line accepted, in bytes; longer lines are skipped as bad.</summary>
    public const int MaxLineBytes = 4096;

    /// <summary>Most bytes one poll reads (bounds memory and time if a huge file appears).</summary>
    public const int MaxBytesPerPoll = 1 << 20;

    private readonly string _path;
    private readonly FeedbackLabelInbox _target;
    private long _offset;
    private long _lineNumber;

    /// <summary>Creates a feed of <paramref name="path"/> into <paramref name="target"/>; the file need not exist yet.</summary>
    public JsonLinesLabelFeed(string path, FeedbackLabelInbox target)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(target);
        _path = path;
        _target = target;
    }

    /// <summary>Reads the complete lines appended since the last poll.</summary>
    /// <exception cref="IOException">The file exists but cannot be read.</exception>
    public LabelFeedResult Poll()
    {
        if (!File.Exists(_path))
        {
            return new LabelFeedResult(0, 0, null);
        }

        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length < _offset)
        {
            _offset = 0;
            _lineNumber = 0;
        }

        stream.Position = _offset;
        int toRead = (int)Math.Min(stream.Length - _offset, MaxBytesPerPoll);
        var buffer = new byte[toRead];
        stream.ReadExactly(buffer);

        int accepted = 0, rejected = 0;
        string? lastProblem = null;
        int lineStart = 0;
        while (lineStart < buffer.Length)
        {
            int newline = Array.IndexOf(buffer, (byte)'\n', lineStart);
            if (newline < 0)
            {
                // An unfinished last line: wait for the writer, unless it can never become valid.
                if (buffer.Length - lineStart > MaxLineBytes)
                {
                    _lineNumber++;
                    rejected++;
                    lastProblem = $"line {_lineNumber}: longer than {MaxLineBytes} bytes";
                    lineStart = buffer.Length;
                }

                break;
            }

            _lineNumber++;
            var line = buffer.AsSpan(lineStart, newline - lineStart);
            lineStart = newline + 1;
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            LabelEvent labelEvent = default;
            string? problem = line.Length > MaxLineBytes ? $"longer than {MaxLineBytes} bytes" : TryParse(line, out labelEvent);
            if (problem is null && !_target.TryPush(labelEvent, out problem))
            {
                problem ??= "rejected";
            }

            if (problem is null)
            {
                accepted++;
            }
            else
            {
                rejected++;
                lastProblem = $"line {_lineNumber}: {problem}";
            }
        }

        _offset += lineStart;
        return new LabelFeedResult(accepted, rejected, lastProblem);
    }

    private static string? TryParse(ReadOnlySpan<byte> line, out LabelEvent labelEvent)
    {
        labelEvent = default;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 2 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "not a JSON object";
            }

            string? time = null, label = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isTime = reader.ValueTextEquals("time"u8);
                bool isLabel = reader.ValueTextEquals("label"u8);
                reader.Read();
                if (isTime || isLabel)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return $"\"{(isTime ? "time" : "label")}\" must be a string";
                    }

                    if (isTime)
                    {
                        time = reader.GetString();
                    }
                    else
                    {
                        label = reader.GetString();
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (time is null || label is null)
            {
                return "needs both \"time\" and \"label\"";
            }

            // An offset is required: a bare local time is ambiguous across DST and devices.
            if (!DateTimeOffset.TryParseExact(time, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                && !DateTimeOffset.TryParseExact(time, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
            {
                return $"time \"{time}\" is not ISO 8601 with an offset (e.g. 2026-03-01T18:05:00Z)";
            }

            labelEvent = new LabelEvent(at, label);
            return null;
        }
        catch (JsonException ex)
        {
            return "invalid JSON: " + ex.Message;
        }
    }
}
