using System.Globalization;
using System.Text.Json;

namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// firmware-configs/install-agent.sh (what cloud-init runs at first boot) against a temporary root: a boot folder
/// with an agent tarball made by deploy/package/make-tarball.sh over a stand-in publish and script-made enrolment
/// files, /etc/fededge/agent.json pre-written with the Pi 4 board profile as user-data does, systemctl replaced by
/// `true`; systemd-sysusers is the real one, writing the temporary root's /etc/passwd. Needs root (chown); skipped
/// otherwise.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InstallAgentScriptTests : IAsyncLifetime
{
    private const string Device = "hall-02";
    private ScriptPki _pki = null!;
    private string _boot = null!;
    private string _root = null!;
    private ToolRun _install = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(Environment.UserName == "root", "install-agent.sh must run as root");
        _pki = await ScriptPki.CreateAsync();
        _boot = Path.Combine(_pki.Directory, "boot-fededge");
        _root = Path.Combine(_pki.Directory, "root");
        var enroll = Path.Combine(_boot, "enroll");
        var made = await _pki.TryRunAsync("make-device-cert.sh", [Device, enroll]);
        Assert.True(made.ExitCode == 0, made.ToString());
        File.Copy(Path.Combine(_pki.CaDirectory, "ca.crt"), Path.Combine(enroll, "ca.crt"));
        File.Copy(Path.Combine(_pki.SigningDirectory, "model-signing.pub.pem"), Path.Combine(enroll, "model-signing.pub.pem"));

        // The shipped tarball (the publish, pki/, systemd/, sysusers.d/) over a stand-in for the published agent.
        var publish = Path.Combine(_pki.Directory, "publish");
        Directory.CreateDirectory(publish);
        await File.WriteAllTextAsync(Path.Combine(publish, "fededge-agent"), "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(Path.Combine(publish, "fededge-agent"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var dist = Path.Combine(_pki.Directory, "dist");
        var tar = await ToolRun.RunAsync("/bin/bash", [RepositoryRoot.File("deploy", "package", "make-tarball.sh"), publish, dist, "1.0.0"]);
        Assert.True(tar.ExitCode == 0, tar.ToString());
        File.Copy(Path.Combine(dist, "fededge-agent-1.0.0-linux-arm64.tar.gz"), Path.Combine(_boot, "fededge-agent.tar.gz"));

        Directory.CreateDirectory(Path.Combine(_root, "etc", "fededge"));
        File.Copy(RepositoryRoot.File("firmware-configs", "pi4", "agent.json"), Path.Combine(_root, "etc", "fededge", "agent.json"));

        _install = await ToolRun.RunAsync(
            "/bin/sh",
            [RepositoryRoot.File("firmware-configs", "install-agent.sh")],
            environment: new Dictionary<string, string>
            {
                ["FEDEDGE_BOOT_DIR"] = _boot,
                ["FEDEDGE_ROOT"] = _root,
                ["FEDEDGE_USER"] = "root",
                ["SYSTEMCTL"] = "true",
            });
    }

    public ValueTask DisposeAsync()
    {
        _pki?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public void Install_unpacks_the_agent_into_usr_lib_fededge_and_installs_the_unit()
    {
        Assert.True(_install.ExitCode == 0, _install.ToString());
        Assert.True(File.Exists(Path.Combine(_root, "usr", "lib", "fededge", "fededge-agent")));
        Assert.True(File.Exists(Path.Combine(_root, "etc", "systemd", "system", "fededge-agent.service")));
    }

    [Fact]
    public async Task Install_creates_the_fededge_system_user_from_the_shipped_sysusers_file()
    {
        Assert.True(_install.ExitCode == 0, _install.ToString());
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(
            await File.ReadAllTextAsync(RepositoryRoot.File("deploy", "systemd", "sysusers.d", "fededge-agent.conf"), ct),
            await File.ReadAllTextAsync(Path.Combine(_root, "etc", "sysusers.d", "fededge-agent.conf"), ct));
        var passwd = await File.ReadAllLinesAsync(Path.Combine(_root, "etc", "passwd"), ct);
        var fededge = Assert.Single(passwd, line => line.StartsWith("fededge:", StringComparison.Ordinal)).Split(':');
        Assert.True(int.Parse(fededge[2], CultureInfo.InvariantCulture) < 1000, "fededge is not a system user: " + string.Join(':', fededge));
        Assert.Equal(["/nonexistent", "/usr/sbin/nologin"], fededge[5..]);
        var group = await File.ReadAllLinesAsync(Path.Combine(_root, "etc", "group"), ct);
        Assert.Contains(group, line => line.StartsWith("i2c:", StringComparison.Ordinal) && line.EndsWith(":fededge", StringComparison.Ordinal));
        Assert.Contains(group, line => line.StartsWith("gpio:", StringComparison.Ordinal) && line.EndsWith(":fededge", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Install_keeps_the_board_profile_and_fills_in_the_device_id()
    {
        Assert.True(_install.ExitCode == 0, _install.ToString());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_root, "etc", "fededge", "agent.json"), TestContext.Current.CancellationToken));
        var agent = json.RootElement.GetProperty("Agent");

        Assert.Equal(Device, agent.GetProperty("DeviceId").GetString());
        Assert.Equal(Device, agent.GetProperty("Mqtt").GetProperty("ClientId").GetString());
        Assert.Equal("pi4", agent.GetProperty("MemoryClass").GetString());
    }

    [Fact]
    public void Install_moves_the_device_key_off_the_boot_partition_into_an_owner_only_file()
    {
        Assert.True(_install.ExitCode == 0, _install.ToString());

        Assert.False(File.Exists(Path.Combine(_boot, "enroll", Device + ".key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_root, "etc", "fededge", "device.key")));
    }
}
