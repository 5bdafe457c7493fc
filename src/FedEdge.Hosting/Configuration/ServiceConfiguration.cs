using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FedEdge.Hosting.Configuration;

/// <summary>
/// Builds a FedEdge service's host with its configuration sources in their one order
/// (<see cref="ServiceConfigurationSources"/>), so that the service, <c>--check-config</c>, <c>--self-test</c> and
/// <c>status</c> all read the same settings.
/// </summary>
public static class ServiceConfiguration
{
    /// <summary>
    /// A host builder over the service's sources. The content root is the executable's directory, so the
    /// <c>appsettings.json</c> shipped beside it is read whatever the working directory.
    /// </summary>
    /// <exception cref="ConfigurationFileException">A settings file is missing (<c>--config</c>) or not valid JSON.</exception>
    public static HostApplicationBuilder CreateBuilder(ServiceConfigurationSources sources, ServiceArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(arguments);
        string[] settings = [.. arguments.Settings];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = settings,
            ContentRootPath = AppContext.BaseDirectory,
        });
        Load(builder.Configuration, sources, arguments, settings);
        return builder;
    }

    /// <summary>The JSON settings files in precedence order, lowest first; a missing optional file is left out.</summary>
    public static IReadOnlyList<string> Files(ServiceConfigurationSources sources, ServiceArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(arguments);
        var files = new List<string>();
        string shipped = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (File.Exists(shipped))
        {
            files.Add(shipped);
        }

        if (File.Exists(sources.SystemFile))
        {
            files.Add(sources.SystemFile);
        }

        if (arguments.ConfigFile is not null)
        {
            files.Add(Path.GetFullPath(arguments.ConfigFile));
        }

        return files;
    }

    private static void Load(ConfigurationManager configuration, ServiceConfigurationSources sources, ServiceArguments arguments, string[] settings)
    {
        if (arguments.ConfigFile is not null && !File.Exists(arguments.ConfigFile))
        {
            throw new ConfigurationFileException($"--config {arguments.ConfigFile}: no such file");
        }

        // precedence: appsettings.json < environment < /etc/fededge/<service>.json < --config FILE < FEDEDGE_* environment < command line
        AddJson(configuration, sources.SystemFile, optional: true);
        if (arguments.ConfigFile is not null)
        {
            AddJson(configuration, Path.GetFullPath(arguments.ConfigFile), optional: false);
        }

        configuration.AddEnvironmentVariables(sources.EnvironmentPrefix);
        configuration.AddCommandLine(settings);
    }

    private static void AddJson(ConfigurationManager configuration, string path, bool optional)
    {
        try
        {
            // ConfigurationManager loads a source as it is added, so a malformed file fails here
            configuration.AddJsonFile(path, optional, reloadOnChange: false);
        }
        catch (InvalidDataException ex)
        {
            // the innermost error is System.Text.Json's, with the line and byte position
            Exception inner = ex;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            throw new ConfigurationFileException($"{path}: not valid JSON ({inner.Message})", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ConfigurationFileException($"{path}: cannot be read ({ex.Message})", ex);
        }
    }
}
