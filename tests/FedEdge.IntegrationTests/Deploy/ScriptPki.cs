namespace FedEdge.IntegrationTests.Deploy;

/// <summary>
/// A fleet PKI made by the deploy/pki shell scripts (openssl) in a temporary folder: CA, broker certificate for
/// 127.0.0.1, model-signing key, one device enrolled by the recommended CSR path and enroll-device.sh, the
/// aggregator's and Home Assistant's certificates, and a second CA from another make-ca.sh run with a device certificate of its own.
/// </summary>
public sealed class ScriptPki : IDisposable
{
    public const string DeviceId = "kitchen-01";
    private const string Shell = "/bin/sh";

    private ScriptPki(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaDirectory => Path.Combine(Directory, "fleet-ca");

    /// <summary>broker.crt, broker.key and ca.crt, as deploy/mosquitto's @CERT_DIR@ expects them.</summary>
    public string BrokerDirectory => Path.Combine(Directory, "broker");

    public string SigningDirectory => Path.Combine(Directory, "signing");

    /// <summary>The device's /etc/fededge after enrolment.</summary>
    public string EnrolledDirectory => Path.Combine(Directory, "device-etc");

    public string AggregatorDirectory => Path.Combine(Directory, "aggregator");

    /// <summary>homeassistant.crt, homeassistant.key and ca.crt from make-homeassistant-cert.sh.</summary>
    public string HomeAssistantDirectory => Path.Combine(Directory, "homeassistant");

    /// <summary>Folder of a device certificate (CN = <see cref="DeviceId"/>) from a CA the broker does not trust.</summary>
    public string RogueDeviceDirectory => Path.Combine(Directory, "rogue-devices");

    public static async Task<ScriptPki> CreateAsync()
    {
        var pki = new ScriptPki(Path.Combine(Path.GetTempPath(), "fededge-pki-" + Guid.NewGuid().ToString("N")));
        System.IO.Directory.CreateDirectory(pki.Directory);
        try
        {
            await pki.RunAsync("make-ca.sh", ["fleet-ca"]);
            await pki.RunAsync("make-broker-cert.sh", ["localhost", "127.0.0.1"], ("OUT_DIR", "broker"));
            await pki.RunAsync("make-signing-key.sh", ["signing"]);
            await pki.RunAsync("make-aggregator-cert.sh", ["aggregator"]);
            await pki.RunAsync("make-homeassistant-cert.sh", ["homeassistant"]);

            // Recommended path: the device makes key + CSR, the CA signs the CSR, the device installs the result.
            var device = Path.Combine(pki.Directory, "device-home");
            await pki.RunAsync("make-device-csr.sh", [DeviceId, device]);
            await pki.RunAsync("sign-device-csr.sh", [Path.Combine(device, DeviceId + ".csr")]);
            File.Copy(Path.Combine(pki.CaDirectory, "ca.crt"), Path.Combine(device, "ca.crt"));
            File.Copy(Path.Combine(pki.SigningDirectory, "model-signing.pub.pem"), Path.Combine(device, "model-signing.pub.pem"));
            await pki.RunAsync("enroll-device.sh", [DeviceId, pki.EnrolledDirectory], ("SOURCE_DIR", device), ("BROKER_HOST", "127.0.0.1"));

            // Another CA (a second make-ca.sh run elsewhere) and a lab one-shot device certificate from it.
            await pki.RunAsync("make-ca.sh", ["rogue-ca", "Some other CA"]);
            await pki.RunAsync("make-device-cert.sh", [DeviceId, "rogue-devices"], ("CA_DIR", "rogue-ca"));
            return pki;
        }
        catch
        {
            pki.Dispose();
            throw;
        }
    }

    /// <summary>Runs one deploy/pki script with the test folder as working directory.</summary>
    public async Task<ToolRun> TryRunAsync(string script, IEnumerable<string> arguments, params (string Name, string Value)[] environment)
    {
        var env = new Dictionary<string, string> { ["CA_DIR"] = CaDirectory };
        foreach (var (name, value) in environment)
        {
            env[name] = value;
        }

        return await ToolRun.RunAsync(Shell, [RepositoryRoot.File("deploy", "pki", script), .. arguments], Directory, env);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }

    /// <summary>Runs one deploy/pki script and throws with its output when it fails.</summary>
    public async Task RunAsync(string script, IEnumerable<string> arguments, params (string Name, string Value)[] environment)
    {
        var run = await TryRunAsync(script, arguments, environment);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed: {run}");
        }
    }
}
