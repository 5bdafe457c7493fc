namespace FedEdge.Hosting.Configuration;

/// <summary>
/// Where a FedEdge service reads its settings, lowest precedence first: <c>appsettings.json</c> beside the
/// executable, the unprefixed environment (the host's defaults), <see cref="SystemFile"/>, the file given
/// with <c>--config</c>, the <see cref="EnvironmentPrefix"/> environment, the command line.
/// </summary>
public sealed record ServiceConfigurationSources
{
    /// <summary>The executable's name, used in messages (e.g. <c>fededge-agent</c>).</summary>
    public required string ServiceName { get; init; }

    /// <summary>The section the service binds (e.g. <c>Agent</c>); every key under it must be a setting.</summary>
    public required string SectionName { get; init; }

    /// <summary>The system-wide settings file (e.g. <c>/etc/fededge/agent.json</c>); optional.</summary>
    public required string SystemFile { get; init; }

    /// <summary>Prefix of the environment variables that override files (<c>FEDEDGE_Agent__Fleet=home</c>).</summary>
    public string EnvironmentPrefix { get; init; } = "FEDEDGE_";

    /// <summary>Top-level sections a FedEdge settings file may hold besides <see cref="SectionName"/>.</summary>
    public IReadOnlyList<string> OtherSections { get; init; } = ["Logging"];
}
