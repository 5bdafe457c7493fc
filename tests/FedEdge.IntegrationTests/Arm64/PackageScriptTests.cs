using FedEdge.IntegrationTests.Deploy;

namespace FedEdge.IntegrationTests.Arm64;

/// <summary>
/// deploy/package/make-deb.sh and make-tarball.sh over a small fake publish folder (an apphost stand-in, a settings
/// file and a "native library"): the package metadata, the file layout the systemd unit and install-agent.sh
/// expect, and what postinst does, run with systemd-sysusers and systemctl replaced by recording stand-ins.
/// The real arm64 publish is packed only by hand (sizes in deploy/package/README.md): packing 56 MB adds nothing
/// a test could see here.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PackageScriptTests : IAsyncLifetime
{
    private const string Version = "1.2.3";
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly TempDirectory _temp = new();
    private string _deb = null!;
    private string _tarball = null!;

    public async ValueTask InitializeAsync()
    {
        var publish = Path.Combine(_temp.Path, "publish");
        Directory.CreateDirectory(publish);
        await File.WriteAllTextAsync(Path.Combine(publish, "fededge-agent"), "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(publish, "fededge-agent"), Executable);
        await File.WriteAllTextAsync(Path.Combine(publish, "appsettings.json"), "{}");
        await File.WriteAllTextAsync(Path.Combine(publish, "libonnxruntime.so"), "not really a library");

        var output = Path.Combine(_temp.Path, "out");
        var environment = new Dictionary<string, string> { ["DEB_COMPRESSION"] = "none" };
        var deb = await ToolRun.RunAsync("/bin/bash", [RepositoryRoot.File("deploy", "package", "make-deb.sh"), publish, output, Version], environment: environment);
        Assert.True(deb.ExitCode == 0, deb.ToString());
        var tarball = await ToolRun.RunAsync("/bin/bash", [RepositoryRoot.File("deploy", "package", "make-tarball.sh"), publish, output, Version]);
        Assert.True(tarball.ExitCode == 0, tarball.ToString());
        _deb = Path.Combine(output, $"fededge-agent_{Version}_arm64.deb");
        _tarball = Path.Combine(output, $"fededge-agent-{Version}-linux-arm64.tar.gz");
    }

    public ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Deb_control_names_the_arm64_agent_at_the_given_version()
    {
        var info = await DpkgDeb("--info", _deb);
        Assert.Contains(" Package: fededge-agent\n", info, StringComparison.Ordinal);
        Assert.Contains($" Version: {Version}\n", info, StringComparison.Ordinal);
        Assert.Contains(" Architecture: arm64\n", info, StringComparison.Ordinal);
        Assert.Matches(@"\n Depends: systemd \| systemd-standalone-sysusers \| systemd-sysusers[,\n]", info);
    }

    [Fact]
    public async Task Deb_puts_the_agent_where_the_unit_ExecStart_and_WorkingDirectory_point()
    {
        var unit = await File.ReadAllLinesAsync(RepositoryRoot.File("deploy", "systemd", "fededge-agent.service"), TestContext.Current.CancellationToken);
        string execStart = unit.Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..];
        string workingDirectory = unit.Single(l => l.StartsWith("WorkingDirectory=", StringComparison.Ordinal))["WorkingDirectory=".Length..];
        var contents = ContentsByPath(await DpkgDeb("--contents", _deb));

        Assert.StartsWith("-rwxr-xr-x root/root", contents["." + execStart], StringComparison.Ordinal);
        Assert.StartsWith("drwxr-xr-x root/root", contents["." + workingDirectory + "/"], StringComparison.Ordinal);
        Assert.True(contents.ContainsKey("." + workingDirectory + "/appsettings.json"), "the settings file is not next to the agent");
    }

    [Fact]
    public async Task Deb_installs_the_unit_into_the_systemd_system_unit_folder()
    {
        var contents = ContentsByPath(await DpkgDeb("--contents", _deb));
        Assert.StartsWith("-rw-r--r-- root/root", contents["./lib/systemd/system/fededge-agent.service"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deb_carries_the_enrolment_scripts_executable()
    {
        var contents = ContentsByPath(await DpkgDeb("--contents", _deb));
        Assert.StartsWith("-rwxr-xr-x root/root", contents["./usr/lib/fededge/pki/enroll-device.sh"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postinst_creates_the_system_user_with_systemd_sysusers_and_does_not_enable_the_agent_by_default()
    {
        var control = Path.Combine(_temp.Path, "control");
        var extract = await ToolRun.RunAsync("/usr/bin/dpkg-deb", ["--control", _deb, control]);
        Assert.True(extract.ExitCode == 0, extract.ToString());
        Assert.SkipWhen(File.Exists("/etc/default/fededge-agent"), "this machine has /etc/default/fededge-agent, which postinst reads");

        // Stand-ins that record their arguments.
        var bin = Path.Combine(_temp.Path, "fake-bin");
        var log = Path.Combine(_temp.Path, "calls.log");
        Directory.CreateDirectory(bin);
        foreach (var (tool, exit) in new[] { ("systemd-sysusers", 0), ("adduser", 0), ("systemctl", 0) })
        {
            await File.WriteAllTextAsync(Path.Combine(bin, tool), $"#!/bin/sh\necho \"{tool} $*\" >> '{log}'\nexit {exit}\n", TestContext.Current.CancellationToken);
            File.SetUnixFileMode(Path.Combine(bin, tool), Executable);
        }

        var postinst = await ToolRun.RunAsync("/bin/sh", [Path.Combine(control, "postinst"), "configure"], environment: new Dictionary<string, string> { ["PATH"] = bin + ":/usr/bin:/bin" });
        Assert.True(postinst.ExitCode == 0, postinst.ToString());
        var calls = await File.ReadAllLinesAsync(log, TestContext.Current.CancellationToken);
        Assert.Contains("systemd-sysusers fededge-agent.conf", calls);
        Assert.DoesNotContain(calls, c => c.StartsWith("adduser", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("systemctl enable", StringComparison.Ordinal) || c.StartsWith("systemctl restart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tarball_has_the_layout_install_agent_sh_unpacks()
    {
        var list = await ToolRun.RunAsync("/usr/bin/tar", ["-tzvf", _tarball]);
        Assert.True(list.ExitCode == 0, list.ToString());
        var contents = ContentsByPath(list.StandardOutput);
        Assert.StartsWith("-rwxr-xr-x 0/0", contents["./fededge-agent"], StringComparison.Ordinal);
        Assert.StartsWith("-rwxr-xr-x 0/0", contents["./pki/enroll-device.sh"], StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r-- 0/0", contents["./systemd/fededge-agent.service"], StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r-- 0/0", contents["./sysusers.d/fededge-agent.conf"], StringComparison.Ordinal);
    }

    private static async Task<string> DpkgDeb(string action, string deb)
    {
        var run = await ToolRun.RunAsync("/usr/bin/dpkg-deb", [action, deb]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.StandardOutput;
    }

    /// <summary>`tar -tv`-style listing ("mode owner size date time path") keyed by path (the last field).</summary>
    private static Dictionary<string, string> ContentsByPath(string listing) =>
        listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(line => line[(line.LastIndexOf(' ') + 1)..], line => line, StringComparer.Ordinal);
}
