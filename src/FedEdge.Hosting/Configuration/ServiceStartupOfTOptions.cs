using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FedEdge.Hosting.Configuration;

/// <summary>
/// The start of a FedEdge service's Main, the same for every service: parse the command line, build the host over the
/// service's configuration sources, and run the configuration check before anything starts, so a bad key is one line
/// naming it (exit 2) instead of a host start-up trace. <c>--check-config</c> ends here.
/// </summary>
/// <typeparam name="TOptions">The service's options (the section <see cref="ServiceConfigurationSources.SectionName"/>).</typeparam>
public sealed class ServiceStartup<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>
    where TOptions : class
{
    private readonly ServiceConfigurationSources _sources;

    internal ServiceStartup(ServiceConfigurationSources sources, int? exitCode, HostApplicationBuilder? builder, ServiceArguments? arguments, TOptions? options, IReadOnlyList<string> problems)
    {
        _sources = sources;
        ExitCode = exitCode;
        Builder = builder;
        Arguments = arguments;
        Options = options;
        Problems = problems;
    }

    /// <summary>Set when Main is done already (usage error or unreadable file: 2; --help: 0).</summary>
    public int? ExitCode { get; }

    /// <summary>The host builder over the service's sources (null when <see cref="ExitCode"/> is set).</summary>
    public HostApplicationBuilder? Builder { get; }

    /// <summary>The parsed command line (null when <see cref="ExitCode"/> is set).</summary>
    public ServiceArguments? Arguments { get; }

    /// <summary>The bound options, valid only without <see cref="Problems"/>; null when the values do not bind.</summary>
    public TOptions? Options { get; }

    /// <summary>Every configuration problem, each naming its key or file.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>
    /// Ends Main for a bad configuration (every problem on its own line, exit 2) or for <c>--check-config</c> (exit 0 with
    /// <paramref name="describe"/>'s summary); null when the service should start.
    /// </summary>
    public int? CheckOrFinish(Func<TOptions, string> describe, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (ExitCode is int code)
        {
            return code;
        }

        if (Problems.Count > 0)
        {
            foreach (string problem in Problems)
            {
                error.WriteLine($"{_sources.ServiceName}: invalid configuration: {problem}");
            }

            return 2;
        }

        if (Arguments!.CheckConfig)
        {
            output.WriteLine($"{_sources.ServiceName}: configuration OK ({describe(Options!)}; files: {string.Join(", ", ServiceConfiguration.Files(_sources, Arguments))})");
            return 0;
        }

        return null;
    }

    /// <summary>The exit code for options validation failing after the host started (one line per failure, full keys).</summary>
    public int Refused(OptionsValidationException exception, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(error);
        foreach (string failure in exception.Failures)
        {
            error.WriteLine($"{_sources.ServiceName}: invalid configuration: {ConfigurationCheck.FullPath<TOptions>(_sources.SectionName, failure)}");
        }

        return 2;
    }

    internal static ServiceStartup<TOptions> Done(ServiceConfigurationSources sources, int exitCode) => new(sources, exitCode, null, null, null, []);
}
