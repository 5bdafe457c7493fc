using System.Text.RegularExpressions;
using FedEdge.IntegrationTests.Deploy;

namespace FedEdge.IntegrationTests.Arm64;

/// <summary>
/// The .deb of the publish that ships (trimmed linux-arm64, with the real native libraries) as Debian's lintian sees
/// it, and its copyright file against the files of that publish. The lintian tests skip, naming the reason, where
/// lintian is not installed; test.sh installs it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(Arm64PublishDefinition.Name)]
public sealed partial class DebianPackageLintianTests(Arm64AgentFixture agent, ShippedDebFixture deb) : IClassFixture<ShippedDebFixture>
{
    [Fact]
    public void Lintian_reports_no_error_and_no_warning_on_the_deb_of_the_shipped_publish()
    {
        var lintian = Lintian();
        string[] problems = [.. Tags(lintian).Where(t => t.StartsWith("E: ", StringComparison.Ordinal) || t.StartsWith("W: ", StringComparison.Ordinal))];

        Assert.True(problems.Length == 0, string.Join(Environment.NewLine, problems));
        Assert.True(lintian.ExitCode == 0, lintian.ToString());
    }

    [Fact]
    public async Task Every_lintian_override_has_a_reason_and_is_used()
    {
        var lintian = Lintian();
        var lines = await File.ReadAllLinesAsync(RepositoryRoot.File("deploy", "package", "debian", "lintian-overrides"), TestContext.Current.CancellationToken);
        var overrides = lines.Select((line, i) => (line, i)).Where(l => l.line.Length > 0 && !l.line.StartsWith('#')).ToArray();

        // A block of overrides starts right below the comment that gives its reason.
        Assert.All(overrides, o => Assert.True(lines[o.i - 1].StartsWith('#') || overrides.Any(p => p.i == o.i - 1), $"no reason above '{o.line}'"));
        Assert.DoesNotContain(Tags(lintian), t => t.Contains(" unused-override ", StringComparison.Ordinal) || t.Contains(" mismatched-override ", StringComparison.Ordinal));
        Assert.Equal(overrides.Length, Tags(lintian).Count(t => t.StartsWith("O: ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Deb_of_the_shipped_publish_carries_the_third_party_notices_its_copyright_names()
    {
        Assert.True(deb.MakeDeb?.ExitCode == 0, deb.MakeDeb?.ToString() ?? agent.Publish.ToString());
        var contents = await ToolRun.RunAsync("/usr/bin/dpkg-deb", ["--contents", deb.Deb]);
        var copyright = await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "package", "debian", "copyright"), TestContext.Current.CancellationToken);

        foreach (var notice in new[] { "dotnet-runtime.THIRD-PARTY-NOTICES.gz", "onnxruntime.ThirdPartyNotices.gz" })
        {
            Assert.Contains(notice, copyright, StringComparison.Ordinal);
            Assert.Contains("./usr/share/doc/fededge-agent/" + notice + "\n", contents.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Copyright_names_the_licence_of_every_third_party_file_in_the_shipped_publish()
    {
        Assert.True(agent.Publish.ExitCode == 0, agent.Publish.ToString());
        var paragraphs = await FilesParagraphsAsync();

        string[] uncovered = [.. Directory.EnumerateFiles(agent.PublishDirectory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(agent.PublishDirectory, f))
            .Where(f => !OwnFileName().IsMatch(f))
            // DEP-5: the last paragraph whose Files pattern matches a file is the one that applies to it.
            .Where(f => paragraphs.Last(p => p.Patterns.Any(pattern => pattern.IsMatch("usr/lib/fededge/" + f))).Catchall)];

        Assert.True(uncovered.Length == 0, "only 'Files: *' (FedEdge's own) covers: " + string.Join(", ", uncovered));
    }

    private ToolRun Lintian()
    {
        Assert.SkipUnless(File.Exists(ShippedDebFixture.LintianPath), "lintian is not installed (apt-get install lintian; test.sh installs it)");
        Assert.True(deb.MakeDeb?.ExitCode == 0, deb.MakeDeb?.ToString() ?? agent.Publish.ToString());
        return deb.Lintian!;
    }

    /// <summary>lintian's tag lines ("E: fededge-agent: tag [where]"), without the explanations and notes.</summary>
    private static IEnumerable<string> Tags(ToolRun lintian) =>
        lintian.StandardOutput.Split('\n').Where(l => l.Length > 3 && l[1] == ':' && l[0] != 'N');

    /// <summary>The Files paragraphs of deploy/package/debian/copyright, each pattern as a regex (* and ? of DEP-5).</summary>
    private static async Task<List<(Regex[] Patterns, bool Catchall)>> FilesParagraphsAsync()
    {
        var text = await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "package", "debian", "copyright"), TestContext.Current.CancellationToken);
        var paragraphs = new List<(Regex[], bool)>();
        foreach (var paragraph in text.Split("\n\n"))
        {
            var match = FilesField().Match(paragraph);
            if (!match.Success)
            {
                continue;
            }

            var patterns = match.Groups[1].Value.Replace('\n', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            paragraphs.Add((
                [.. patterns.Select(p => new Regex("^" + Regex.Escape(p).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$"))],
                patterns is ["*"]));
        }

        return paragraphs;
    }

    [GeneratedRegex(@"^Files: ((?:.*)(?:\n .*)*)", RegexOptions.Multiline)]
    private static partial Regex FilesField();

    /// <summary>FedEdge's own files in the publish: the only ones the copyright file's "Files: *" may cover.</summary>
    [GeneratedRegex(@"^(fededge-agent\.(dll|deps\.json|runtimeconfig\.json)|FedEdge\.[A-Za-z]+\.dll|appsettings\.json)$")]
    private static partial Regex OwnFileName();
}
