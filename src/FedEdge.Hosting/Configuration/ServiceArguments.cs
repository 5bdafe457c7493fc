namespace FedEdge.Hosting.Configuration;

/// <summary>
/// A FedEdge service's command line: its own switches (<c>--check-config</c>, <c>--config FILE</c>, a service's
/// verbs and flags) apart from the settings (<c>--Agent:Fleet=home</c>) that go to the configuration.
/// </summary>
public sealed class ServiceArguments
{
    private readonly HashSet<string> _switches;

    private ServiceArguments(HashSet<string> switches, string? verb, string? configFile, string[] settings)
    {
        _switches = switches;
        Verb = verb;
        ConfigFile = configFile;
        Settings = settings;
    }

    /// <summary>The verb given first (e.g. <c>status</c>), or null to run the service.</summary>
    public string? Verb { get; }

    /// <summary>The <c>--config FILE</c> argument, or null.</summary>
    public string? ConfigFile { get; }

    /// <summary>The settings for the configuration's command-line source, in order.</summary>
    public IReadOnlyList<string> Settings { get; }

    /// <summary>Whether <c>--check-config</c> was given.</summary>
    public bool CheckConfig => Has("--check-config");

    /// <summary>Whether the switch <paramref name="name"/> (e.g. <c>--self-test</c>) was given.</summary>
    public bool Has(string name) => _switches.Contains(name);

    /// <summary>
    /// Splits <paramref name="args"/>. Switches are <c>--check-config</c>, <c>--config FILE</c> (or <c>--config=FILE</c>) and
    /// <paramref name="flags"/>; a first argument in <paramref name="verbs"/> is the verb; every other argument must be a
    /// setting <c>[--|/]Section:Key=value</c> or <c>--Section:Key value</c>.
    /// </summary>
    /// <returns>False with <paramref name="problem"/> naming the argument when one is neither.</returns>
    public static bool TryParse(
        IReadOnlyList<string> args,
        IReadOnlyCollection<string> flags,
        IReadOnlyCollection<string> verbs,
        out ServiceArguments parsed,
        out string? problem)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(verbs);
        var switches = new HashSet<string>(StringComparer.Ordinal);
        var settings = new List<string>();
        string? verb = null;
        string? config = null;
        parsed = new ServiceArguments(switches, null, null, []);
        problem = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (i == 0 && verbs.Contains(arg))
            {
                verb = arg;
            }
            else if (arg == "--check-config" || flags.Contains(arg))
            {
                switches.Add(arg);
            }
            else if (arg == "--config" || arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                string? value = arg == "--config" ? (i + 1 < args.Count ? args[++i] : null) : arg["--config=".Length..];
                if (string.IsNullOrEmpty(value))
                {
                    problem = "--config needs a file";
                    return false;
                }

                if (config is not null)
                {
                    problem = "--config is given twice";
                    return false;
                }

                config = value;
            }
            else if (IsSetting(arg))
            {
                settings.Add(arg);
                if (!arg.Contains('=', StringComparison.Ordinal) && arg.StartsWith("--", StringComparison.Ordinal))
                {
                    // --Section:Key value
                    if (i + 1 >= args.Count)
                    {
                        problem = $"{arg} needs a value (--Section:Key=value or --Section:Key value)";
                        return false;
                    }

                    settings.Add(args[++i]);
                }
            }
            else
            {
                problem = $"'{arg}' is not an option or a setting (settings look like --Section:Key=value)";
                return false;
            }
        }

        parsed = new ServiceArguments(switches, verb, config, [.. settings]);
        return true;
    }

    private static bool IsSetting(string arg)
    {
        string body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..]
            : arg.StartsWith('/') ? arg[1..]
            : arg;
        int equals = body.IndexOf('=', StringComparison.Ordinal);
        string key = equals >= 0 ? body[..equals] : body;

        // a key with a section (Agent:Fleet), given as --key value or [--|/]key=value (Microsoft.Extensions.Configuration.CommandLine)
        bool keyed = key.Length > 0 && key.Contains(':', StringComparison.Ordinal) && !key.StartsWith(':') && !key.EndsWith(':');
        return keyed && (equals >= 0 || arg.StartsWith("--", StringComparison.Ordinal));
    }
}
