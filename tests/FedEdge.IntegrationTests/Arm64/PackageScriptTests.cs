using System.IO.Compression;
using FedEdge.IntegrationTests.Deploy;

namespace FedEdge.IntegrationTests.Arm64;

/// <summary>
/// deploy/package/make-deb.sh and make-tarball.sh over a small stand-in publish (an apphost stand-in, a settings file
/// and a "native library" marked 0744 as the real publish marks them): the package metadata and Debian policy files,
/// the layout the systemd unit and install-agent.sh expect, reproducibility, and the maintainer scripts — with their
/// tools replaced by recording stand-ins, and installed, upgraded and purged for real by dpkg into a temporary root.
/// The real publish is packed and checked with lintian by <see cref="DebianPackageLintianTests"/>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PackageScriptTests : IAsyncLifetime
{
    private const string Version = "1.2.3";
    private const string Unit = "fededge-agent.service";
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly TempDirectory _temp = new();
    private string _publish = null!;
    private string _deb = null!;
    private string _tarball = null!;

    public async ValueTask InitializeAsync()
    {
        _publish = Path.Combine(_temp.Path, "publish");
        Directory.CreateDirectory(_publish);
        await File.WriteAllTextAsync(Path.Combine(_publish, "fededge-agent"), "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(_publish, "fededge-agent"), Executable);
        await File.WriteAllTextAsync(Path.Combine(_publish, "appsettings.json"), "{}");
        await File.WriteAllTextAsync(Path.Combine(_publish, "libonnxruntime.so"), "not really a library");
        File.SetUnixFileMode(Path.Combine(_publish, "libonnxruntime.so"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        _deb = await MakeDebAsync(Path.Combine(_temp.Path, "out"), Version);
        var tarball = await ToolRun.RunAsync("/bin/bash", [RepositoryRoot.File("deploy", "package", "make-tarball.sh"), _publish, Path.Combine(_temp.Path, "out"), Version]);
        Assert.True(tarball.ExitCode == 0, tarball.ToString());
        _tarball = Path.Combine(_temp.Path, "out", $"fededge-agent-{Version}-linux-arm64.tar.gz");
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
        Assert.Matches(@"\n Installed-Size: [1-9][0-9]*\n", info);
    }

    [Fact]
    public async Task Deb_depends_on_a_sysusers_implementation_and_not_on_adduser()
    {
        var depends = (await DpkgDeb("--field", _deb, "Depends")).Trim();
        Assert.Contains("systemd | systemd-standalone-sysusers | systemd-sysusers", depends, StringComparison.Ordinal);
        Assert.DoesNotContain("adduser", depends, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deb_puts_the_agent_where_the_unit_ExecStart_and_WorkingDirectory_point()
    {
        var unit = await File.ReadAllLinesAsync(RepositoryRoot.File("deploy", "systemd", Unit), TestContext.Current.CancellationToken);
        string execStart = unit.Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..];
        string workingDirectory = unit.Single(l => l.StartsWith("WorkingDirectory=", StringComparison.Ordinal))["WorkingDirectory=".Length..];
        var contents = ContentsByPath(await DpkgDeb("--contents", _deb));

        Assert.Equal("/usr/lib/fededge/fededge-agent", execStart);
        Assert.StartsWith("-rwxr-xr-x root/root", contents["." + execStart], StringComparison.Ordinal);
        Assert.StartsWith("drwxr-xr-x root/root", contents["." + workingDirectory + "/"], StringComparison.Ordinal);
        Assert.True(contents.ContainsKey("." + workingDirectory + "/appsettings.json"), "the settings file is not next to the agent");
    }

    [Fact]
    public async Task Deb_installs_every_file_under_usr_and_nothing_under_opt()
    {
        var contents = ContentsByPath(await DpkgDeb("--contents", _deb));
        Assert.All(contents.Keys.Where(p => p != "./"), path => Assert.StartsWith("./usr/", path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deb_installs_the_unit_into_usr_lib_systemd_system()
    {
        var contents = ContentsByPath(await DpkgDeb("--contents", _deb));
        Assert.StartsWith("-rw-r--r-- root/root", contents["./usr/lib/systemd/system/" + Unit], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deb_carries_the_enrolment_scripts_executable()
    {
        var contents = ContentsByPath(await DpkgDeb("--contents", _deb));
        Assert.StartsWith("-rwxr-xr-x root/root", contents["./usr/lib/fededge/pki/enroll-device.sh"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deb_and_tarball_ship_shared_libraries_as_0644()
    {
        var deb = ContentsByPath(await DpkgDeb("--contents", _deb));
        var tarball = ContentsByPath(await Tar("-tzvf", _tarball));
        Assert.StartsWith("-rw-r--r-- root/root", deb["./usr/lib/fededge/libonnxruntime.so"], StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r-- 0/0", tarball["./libonnxruntime.so"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deb_installs_the_shipped_sysusers_file_as_usr_lib_sysusers_d_fededge_agent_conf()
    {
        var root = await ExtractAsync();
        Assert.Equal(
            await File.ReadAllBytesAsync(RepositoryRoot.File("deploy", "systemd", "sysusers.d", "fededge-agent.conf"), TestContext.Current.CancellationToken),
            await File.ReadAllBytesAsync(Path.Combine(root, "usr", "lib", "sysusers.d", "fededge-agent.conf"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Deb_carries_the_machine_readable_copyright_file()
    {
        var root = await ExtractAsync();
        var copyright = await File.ReadAllTextAsync(Path.Combine(root, "usr", "share", "doc", "fededge-agent", "copyright"), TestContext.Current.CancellationToken);
        Assert.StartsWith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n", copyright, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deb_changelog_is_gzipped_without_name_or_time_and_its_newest_entry_is_the_package_version()
    {
        var root = await ExtractAsync();
        var path = Path.Combine(root, "usr", "share", "doc", "fededge-agent", "changelog.gz");
        var bytes = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);

        // RFC 1952 header: FLG bit 3 = FNAME, bytes 4-7 = MTIME; gzip -n leaves both out.
        Assert.Equal(0, bytes[3] & 0x08);
        Assert.Equal(new byte[4], bytes[4..8]);
        using var reader = new StreamReader(new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress));
        Assert.Equal($"fededge-agent ({Version}) UNRELEASED; urgency=medium", await reader.ReadLineAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Deb_md5sums_list_and_match_every_installed_file()
    {
        var root = await ExtractAsync();
        var md5sums = Path.Combine(root, "DEBIAN", "md5sums");
        var listed = (await File.ReadAllLinesAsync(md5sums, TestContext.Current.CancellationToken)).Select(l => l[34..]).Order(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f)).Where(f => !f.StartsWith("DEBIAN/", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

        Assert.Equal(files, listed);
        var check = await ToolRun.RunAsync("/usr/bin/md5sum", ["--check", "--quiet", md5sums], workingDirectory: root);
        Assert.True(check.ExitCode == 0, check.ToString());
    }

    [Fact]
    public async Task Deb_is_byte_identical_when_built_again()
    {
        var again = await MakeDebAsync(Path.Combine(_temp.Path, "again"), Version);
        Assert.Equal(await File.ReadAllBytesAsync(_deb, TestContext.Current.CancellationToken), await File.ReadAllBytesAsync(again, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Postinst_creates_the_user_with_systemd_sysusers_and_enables_the_unit_with_deb_systemd_helper()
    {
        var calls = await RunPostinstAsync(wasEnabled: true, "configure");

        Assert.Contains("systemd-sysusers fededge-agent.conf", calls);
        Assert.Contains("deb-systemd-helper enable " + Unit, calls);
        Assert.DoesNotContain(calls, c => c.StartsWith("adduser", StringComparison.Ordinal) || c.StartsWith("useradd", StringComparison.Ordinal));
        Assert.DoesNotContain(calls, c => c.StartsWith("systemctl", StringComparison.Ordinal) && !c.StartsWith("systemctl --system daemon-reload", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Postinst_on_upgrade_keeps_an_administrators_disable()
    {
        var calls = await RunPostinstAsync(wasEnabled: false, "configure", "1.2.2");

        Assert.Contains("deb-systemd-helper update-state " + Unit, calls);
        Assert.DoesNotContain("deb-systemd-helper enable " + Unit, calls);
    }

    [Fact]
    public async Task Installing_the_deb_creates_the_fededge_system_user_and_enables_the_unit()
    {
        var root = await DpkgRootAsync();

        await DpkgAsync(root, "--install", _deb);

        var passwd = await File.ReadAllLinesAsync(Path.Combine(root, "etc", "passwd"), TestContext.Current.CancellationToken);
        Assert.Contains(passwd, line => line.StartsWith("fededge:", StringComparison.Ordinal) && line.EndsWith(":/nonexistent:/usr/sbin/nologin", StringComparison.Ordinal));
        var group = await File.ReadAllLinesAsync(Path.Combine(root, "etc", "group"), TestContext.Current.CancellationToken);
        Assert.Contains(group, line => line.StartsWith("i2c:", StringComparison.Ordinal) && line.EndsWith(":fededge", StringComparison.Ordinal));
        Assert.Contains(group, line => line.StartsWith("gpio:", StringComparison.Ordinal) && line.EndsWith(":fededge", StringComparison.Ordinal));
        Assert.EndsWith("lib/systemd/system/" + Unit, new FileInfo(Path.Combine(root, "etc", "systemd", "system", "multi-user.target.wants", Unit)).LinkTarget, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purging_the_deb_keeps_the_privacy_ledger_and_the_user_and_removes_the_unit_links()
    {
        var root = await DpkgRootAsync();
        await DpkgAsync(root, "--install", _deb);
        var ledger = Path.Combine(root, "var", "lib", "fededge-agent", "ledger.db");
        Directory.CreateDirectory(Path.GetDirectoryName(ledger)!);
        await File.WriteAllTextAsync(ledger, "spent budget", TestContext.Current.CancellationToken);
        await DpkgAsync(root, "--install", await MakeDebAsync(Path.Combine(_temp.Path, "upgrade"), "1.2.4"));

        await DpkgAsync(root, "--purge", "fededge-agent");

        Assert.Equal("spent budget", await File.ReadAllTextAsync(ledger, TestContext.Current.CancellationToken));
        Assert.Contains(await File.ReadAllLinesAsync(Path.Combine(root, "etc", "passwd"), TestContext.Current.CancellationToken), line => line.StartsWith("fededge:", StringComparison.Ordinal));
        Assert.False(Path.Exists(Path.Combine(root, "etc", "systemd", "system", "multi-user.target.wants", Unit)));
        Assert.False(Path.Exists(Path.Combine(root, "usr", "lib", "fededge")));
    }

    [Fact]
    public async Task Tarball_has_the_layout_install_agent_sh_unpacks()
    {
        var contents = ContentsByPath(await Tar("-tzvf", _tarball));
        Assert.StartsWith("-rwxr-xr-x 0/0", contents["./fededge-agent"], StringComparison.Ordinal);
        Assert.StartsWith("-rwxr-xr-x 0/0", contents["./pki/enroll-device.sh"], StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r-- 0/0", contents["./systemd/" + Unit], StringComparison.Ordinal);
        Assert.StartsWith("-rw-r--r-- 0/0", contents["./sysusers.d/fededge-agent.conf"], StringComparison.Ordinal);
    }

    private async Task<string> MakeDebAsync(string output, string version)
    {
        var environment = new Dictionary<string, string> { ["DEB_COMPRESSION"] = "none" };
        var run = await ToolRun.RunAsync("/bin/bash", [RepositoryRoot.File("deploy", "package", "make-deb.sh"), _publish, output, version], environment: environment);
        Assert.True(run.ExitCode == 0, run.ToString());
        return Path.Combine(output, $"fededge-agent_{version}_arm64.deb");
    }

    /// <summary>The package's files and control files (dpkg-deb --raw-extract) in a fresh folder.</summary>
    private async Task<string> ExtractAsync()
    {
        var root = NewDirectory("extract");
        var run = await ToolRun.RunAsync("/usr/bin/dpkg-deb", ["--raw-extract", _deb, root]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return root;
    }

    /// <summary>
    /// Runs DEBIAN/postinst with stand-ins for every tool it may call, each recording its arguments;
    /// deb-systemd-helper's was-enabled answers <paramref name="wasEnabled"/>. Returns the recorded calls.
    /// </summary>
    private async Task<string[]> RunPostinstAsync(bool wasEnabled, params string[] arguments)
    {
        var root = await ExtractAsync();
        var bin = NewDirectory("fake-bin");
        var log = Path.Combine(bin, "calls.log");
        foreach (var tool in new[] { "systemd-sysusers", "deb-systemd-invoke", "systemctl", "adduser", "useradd", "deb-systemd-helper" })
        {
            var exit = tool == "deb-systemd-helper" ? $"case \"$*\" in *was-enabled*) exit {(wasEnabled ? 0 : 1)} ;; esac\nexit 0" : "exit 0";
            await File.WriteAllTextAsync(Path.Combine(bin, tool), $"#!/bin/sh\necho \"{tool} $*\" >> '{log}'\n{exit}\n", TestContext.Current.CancellationToken);
            File.SetUnixFileMode(Path.Combine(bin, tool), Executable);
        }

        var run = await ToolRun.RunAsync("/bin/sh", [Path.Combine(root, "DEBIAN", "postinst"), .. arguments], environment: new Dictionary<string, string> { ["PATH"] = bin + ":/usr/bin:/bin" });
        Assert.True(run.ExitCode == 0, run.ToString());
        return await File.ReadAllLinesAsync(log, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// An empty dpkg installation in a temporary folder (merged /usr, arm64 admitted), into which dpkg --root installs
    /// for real; the maintainer scripts run with this machine's systemd-sysusers and deb-systemd-helper, which act on
    /// the folder through DPKG_ROOT. Needs root (dpkg writes root-owned files); skipped otherwise.
    /// </summary>
    private async Task<string> DpkgRootAsync()
    {
        Assert.SkipUnless(Environment.UserName == "root", "dpkg --root installs root-owned files: run as root");
        var root = NewDirectory("dpkg-root");
        foreach (var directory in new[] { "etc", "usr/bin", "usr/sbin", "usr/lib", "var/lib/dpkg/info", "var/lib/dpkg/updates" })
        {
            Directory.CreateDirectory(Path.Combine(root, directory));
        }

        await File.WriteAllTextAsync(Path.Combine(root, "var", "lib", "dpkg", "status"), "", TestContext.Current.CancellationToken);
        foreach (var alias in new[] { "bin", "sbin", "lib" })
        {
            File.CreateSymbolicLink(Path.Combine(root, alias), "usr/" + alias);
        }

        await DpkgAsync(root, "--add-architecture", "arm64");
        return root;
    }

    /// <summary>A new, empty folder in this test's temporary folder.</summary>
    private string NewDirectory(string name) => Directory.CreateDirectory(Path.Combine(_temp.Path, name + "-" + Guid.NewGuid().ToString("N"))).FullName;

    private static async Task DpkgAsync(string root, params string[] arguments)
    {
        var run = await ToolRun.RunAsync(
            "/usr/bin/dpkg",
            ["--root=" + root, "--force-script-chrootless", "--force-depends", .. arguments],
            environment: new Dictionary<string, string> { ["DPKG_ROOT"] = root });
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    private static async Task<string> DpkgDeb(params string[] arguments)
    {
        var run = await ToolRun.RunAsync("/usr/bin/dpkg-deb", arguments);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.StandardOutput;
    }

    private static async Task<string> Tar(params string[] arguments)
    {
        var run = await ToolRun.RunAsync("/usr/bin/tar", arguments);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.StandardOutput;
    }

    /// <summary>`tar -tv`-style listing ("mode owner size date time path") keyed by path (the last field).</summary>
    private static Dictionary<string, string> ContentsByPath(string listing) =>
        listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(line => line[(line.LastIndexOf(' ') + 1)..], line => line, StringComparer.Ordinal);
}
