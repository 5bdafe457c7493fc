using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FedEdge.Hosting.Configuration;

/// <summary>
/// What <c>--check-config</c> runs and what a service runs before it starts: every settings source holds only
/// known sections, every key under the service's section is a setting, the values convert, and the options
/// validate. Each problem names the full key (<c>Agent:Power:Source</c>), so one run reports them all.
/// </summary>
public static class ConfigurationCheck
{
    /// <summary>
    /// Checks <paramref name="configuration"/> and binds the options.
    /// </summary>
    /// <param name="configuration">The merged configuration the host would use.</param>
    /// <param name="sources">The service's sources (section name, files, prefix).</param>
    /// <param name="arguments">The command line (for <c>--config</c> and the settings).</param>
    /// <param name="bind">Binds the section to new options (the caller's call is the one the binding generator intercepts).</param>
    /// <param name="validator">The options' validator.</param>
    /// <param name="options">The bound options (valid only when no problem is returned); null when the values do not bind.</param>
    /// <returns>Every problem found, each naming its key or file; empty when the configuration is sound.</returns>
    public static IReadOnlyList<string> Run<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
        IConfiguration configuration,
        ServiceConfigurationSources sources,
        ServiceArguments arguments,
        Func<IConfigurationSection, TOptions> bind,
        IValidateOptions<TOptions> validator,
        out TOptions? options)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(validator);
        options = null;
        var problems = new List<string>(SourceProblems(sources, arguments));
        var section = configuration.GetSection(sources.SectionName);
        problems.AddRange(OptionsSchema.UnknownKeys(section, typeof(TOptions)));
        TOptions bound;
        try
        {
            bound = bind(section);
        }
        catch (InvalidOperationException ex)
        {
            // the binder names the full key: "Failed to convert configuration value 'x' at 'Agent:Mqtt:Port' to type 'System.Int32'."
            problems.Add(ConversionProblem<TOptions>(sources.SectionName, ex));
            return problems;
        }

        var result = validator.Validate(null, bound);
        if (result.Failed)
        {
            foreach (string failure in result.Failures ?? [])
            {
                problems.Add(FullPath<TOptions>(sources.SectionName, failure));
            }
        }

        options = bound;
        return problems;
    }

    /// <summary>
    /// Names a validation failure by its full key. The generated validator writes <c>DeviceId: The AgentOptions.DeviceId field is required.</c>,
    /// and an options object's own checks name only their member (<c>CaCertificatePath: … does not exist.</c>); both become
    /// <c>Agent:…</c> paths (a bare member is looked up in the options tree). Messages already written with the section stay as they are.
    /// </summary>
    public static string FullPath<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(string sectionName, string failure)
    {
        ArgumentNullException.ThrowIfNull(sectionName);
        ArgumentNullException.ThrowIfNull(failure);
        string typePrefix = typeof(TOptions).Name + ".";
        string text = failure;
        for (int at = text.IndexOf(typePrefix, StringComparison.Ordinal); at >= 0; at = text.IndexOf(typePrefix, StringComparison.Ordinal))
        {
            int end = at + typePrefix.Length;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '.' or '_'))
            {
                end++;
            }

            string dotted = text[(at + typePrefix.Length)..end].TrimEnd('.');
            text = text[..at] + sectionName + ":" + dotted.Replace('.', ':') + text[(at + typePrefix.Length + dotted.Length)..];
        }

        if (text.StartsWith(sectionName + ":", StringComparison.Ordinal))
        {
            return text;
        }

        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && text[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or ',' or ' ' or '_'))
        {
            var paths = text[..colon].Split(", ", StringSplitOptions.RemoveEmptyEntries).Select(member =>
            {
                if (member.Contains('.', StringComparison.Ordinal))
                {
                    return sectionName + ":" + member.Replace('.', ':');
                }

                var candidates = OptionsSchema.PathsOf(typeof(TOptions), member);
                return sectionName + ":" + (candidates.Count == 1 ? candidates[0] : member);
            });
            return string.Join(", ", paths) + text[colon..];
        }

        return sectionName + ": " + text;
    }

    private static string ConversionProblem<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(string sectionName, InvalidOperationException exception)
    {
        string message = exception.Message;
        const string Marker = " at '";
        int at = message.IndexOf(Marker, StringComparison.Ordinal);
        int end = at < 0 ? -1 : message.IndexOf('\'', at + Marker.Length);
        if (at >= 0 && end > at)
        {
            string key = message[(at + Marker.Length)..end];
            if (key.StartsWith(sectionName + ":", StringComparison.OrdinalIgnoreCase)
                && OptionsSchema.TypeAt(typeof(TOptions), key[(sectionName.Length + 1)..]) is Type type)
            {
                return $"{key}: {message} (expected {OptionsSchema.Describe(type)})";
            }
        }

        return exception.InnerException is null ? message : $"{message} ({exception.InnerException.Message})";
    }

    private static IEnumerable<string> SourceProblems(ServiceConfigurationSources sources, ServiceArguments arguments)
    {
        var allowed = new HashSet<string>([sources.SectionName, .. sources.OtherSections], StringComparer.OrdinalIgnoreCase);
        string known = string.Join(", ", [sources.SectionName, .. sources.OtherSections]);
        foreach (string file in ServiceConfiguration.Files(sources, arguments))
        {
            var root = new ConfigurationBuilder().AddJsonFile(file, optional: true, reloadOnChange: false).Build();
            foreach (var top in root.GetChildren())
            {
                if (!allowed.Contains(top.Key))
                {
                    yield return $"{file}: unknown section '{top.Key}' (a FedEdge settings file holds {known})";
                }
            }
        }

        var environment = new ConfigurationBuilder().AddEnvironmentVariables(sources.EnvironmentPrefix).Build();
        foreach (var top in environment.GetChildren())
        {
            if (!allowed.Contains(top.Key))
            {
                yield return $"environment {sources.EnvironmentPrefix}{top.Key}: unknown section '{top.Key}' (settings are {sources.EnvironmentPrefix}{sources.SectionName}__Key)";
            }
        }

        var commandLine = new ConfigurationBuilder().AddCommandLine([.. arguments.Settings]).Build();
        foreach (var top in commandLine.GetChildren())
        {
            if (!allowed.Contains(top.Key))
            {
                yield return $"command line: unknown section '{top.Key}' (settings are --{sources.SectionName}:Key=value)";
            }
        }
    }
}
