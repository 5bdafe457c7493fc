using FedEdge.IntegrationTests.Deploy;

namespace FedEdge.IntegrationTests.Arm64;

/// <summary>
/// deploy/package/make-deb.sh over the real linux-arm64 publish of <see cref="Arm64AgentFixture"/>, and lintian's
/// report on it when lintian is installed (test.sh installs it). xz as shipped (lintian rejects an uncompressed
/// package), at level 1: the default level costs half a minute more and lintian does not look at it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ShippedDebFixture(Arm64AgentFixture agent) : IAsyncLifetime
{
    public const string LintianPath = "/usr/bin/lintian";

    private readonly TempDirectory _temp = new();

    /// <summary>The make-deb.sh run (null when the publish failed: <see cref="Arm64AgentFixture.Publish"/> says why).</summary>
    public ToolRun? MakeDeb { get; private set; }

    public string Deb { get; private set; } = "";

    /// <summary>
    /// <c>lintian --display-level '>=info' --show-overrides --fail-on none</c> over <see cref="Deb"/>, without a user's
    /// lintianrc (null when lintian is not installed or there is no package). "--fail-on none": with --show-overrides,
    /// lintian 2.116 exits 2 for an overridden error, so the exit code only says whether lintian ran; the tests read
    /// the tags.
    /// </summary>
    public ToolRun? Lintian { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (agent.Publish.ExitCode != 0)
        {
            return;
        }

        var output = Path.Combine(_temp.Path, "out");
        MakeDeb = await ToolRun.RunAsync(
            "/bin/bash",
            [RepositoryRoot.File("deploy", "package", "make-deb.sh"), agent.PublishDirectory, output, "1.2.3"],
            environment: new Dictionary<string, string> { ["DEB_COMPRESSION"] = "xz", ["DEB_COMPRESSION_LEVEL"] = "1" });
        Deb = Path.Combine(output, "fededge-agent_1.2.3_arm64.deb");
        if (MakeDeb.ExitCode == 0 && File.Exists(LintianPath))
        {
            Lintian = await ToolRun.RunAsync(LintianPath, ["--no-cfg", "--display-level", ">=info", "--show-overrides", "--fail-on", "none", Deb]);
        }
    }

    public ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }
}
