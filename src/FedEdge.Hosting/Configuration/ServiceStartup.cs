using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FedEdge.Hosting.Configuration;

/// <summary>Starts a FedEdge service's Main: see <see cref="ServiceStartup{TOptions}"/>.</summary>
public static class ServiceStartup
{
    /// <summary>Parses <paramref name="args"/>, builds the host and checks the configuration.</summary>
    /// <param name="sources">The service's configuration sources.</param>
    /// <param name="usage">The usage text printed with <c>--help</c> and after a usage error.</param>
    /// <param name="args">Main's arguments.</param>
    /// <param name="flags">The service's own switches besides <c>--check-config</c>, <c>--config</c> and <c>--help</c>.</param>
    /// <param name="bind">Binds the section (the service's own call, which the binding generator intercepts).</param>
    /// <param name="validator">The options' validator.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    public static ServiceStartup<TOptions> Prepare<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] TOptions>(
        ServiceConfigurationSources sources,
        string usage,
        IReadOnlyList<string> args,
        IReadOnlyCollection<string> flags,
        Func<IConfigurationSection, TOptions> bind,
        IValidateOptions<TOptions> validator,
        TextWriter output,
        TextWriter error)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!ServiceArguments.TryParse(args, [.. flags, "--help", "-h"], [], out var arguments, out string? problem))
        {
            error.WriteLine($"{sources.ServiceName}: {problem}");
            error.WriteLine(usage);
            return ServiceStartup<TOptions>.Done(sources, 2);
        }

        if (arguments.Has("--help") || arguments.Has("-h"))
        {
            output.WriteLine(usage);
            return ServiceStartup<TOptions>.Done(sources, 0);
        }

        HostApplicationBuilder builder;
        try
        {
            builder = ServiceConfiguration.CreateBuilder(sources, arguments);
        }
        catch (ConfigurationFileException ex)
        {
            error.WriteLine($"{sources.ServiceName}: invalid configuration: {ex.Message}");
            return ServiceStartup<TOptions>.Done(sources, 2);
        }

        var problems = ConfigurationCheck.Run(builder.Configuration, sources, arguments, bind, validator, out var options);
        return new ServiceStartup<TOptions>(sources, null, builder, arguments, options, problems);
    }
}
