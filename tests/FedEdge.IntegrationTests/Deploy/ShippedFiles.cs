namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// The shipped configuration files as a device or host would hold them, rendered the way the tests may: absolute
/// paths moved under a temporary root, the broker host and port pointed at the test broker. Nothing else changes.
/// </summary>
public static class ShippedFiles
{
    /// <summary>The agent.json cloud-init writes from firmware-configs/&lt;board&gt;/user-data (its write_files entry for /etc/fededge/agent.json).</summary>
    public static string CloudInitAgentJson(string board)
    {
        string userData = File.ReadAllText(RepositoryRoot.File("firmware-configs", board, "user-data"));
        const string Entry = "  - path: /etc/fededge/agent.json\n";
        int entry = userData.IndexOf(Entry, StringComparison.Ordinal);
        const string Content = "    content: |\n";
        int content = entry < 0 ? -1 : userData.IndexOf(Content, entry, StringComparison.Ordinal);
        if (content < 0)
        {
            throw new InvalidOperationException($"firmware-configs/{board}/user-data writes no /etc/fededge/agent.json");
        }

        // a YAML literal block: every line indented by 6 spaces until the first line that is not
        var lines = new List<string>();
        foreach (string line in userData[(content + Content.Length)..].Split('\n'))
        {
            if (!line.StartsWith("      ", StringComparison.Ordinal) && line.Length > 0)
            {
                break;
            }

            lines.Add(line.Length == 0 ? line : line[6..]);
        }

        return string.Join('\n', lines).TrimEnd('\n') + "\n";
    }

    /// <summary>
    /// Moves the absolute paths a settings file names (/etc/fededge, /var/lib/fededge-*) under <paramref name="root"/>, and
    /// optionally points the broker host and port at a test broker.
    /// </summary>
    public static string Render(string text, string root, string? brokerHost = null, int? brokerPort = null)
    {
        string rendered = text
            .Replace("\"/etc/fededge/", "\"" + root + "/etc/fededge/", StringComparison.Ordinal)
            .Replace("\"/var/lib/fededge-", "\"" + root + "/var/lib/fededge-", StringComparison.Ordinal);
        if (brokerHost is not null)
        {
            rendered = rendered.Replace("\"Host\": \"mqtt.home.lan\"", $"\"Host\": \"{brokerHost}\"", StringComparison.Ordinal);
        }

        if (brokerPort is int port)
        {
            rendered = rendered.Replace("\"Port\": 8883", $"\"Port\": {port}", StringComparison.Ordinal);
        }

        return rendered;
    }
}
