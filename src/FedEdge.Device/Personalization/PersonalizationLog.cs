using Microsoft.Extensions.Logging;

namespace FedEdge.Device.Personalization;

/// <summary>Structured log events of personalization (event ids 120–129). Never parameter values.</summary>
internal static partial class PersonalizationLog
{
    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Personal model ({Mode}) created from global model v{Version} ({Architecture})")]
    public static partial void Created(ILogger logger, PersonalizationMode mode, ulong version, FedEdge.Core.Models.ModelArchitecture architecture);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information, Message = "Personal model ({Mode}) re-based from global v{OldVersion} to v{NewVersion}: {Reason}")]
    public static partial void Rebased(ILogger logger, PersonalizationMode mode, ulong oldVersion, ulong newVersion, string reason);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "Personal model re-initialised from global model v{Version}: {Reason}")]
    public static partial void Reinitialised(ILogger logger, ulong version, string reason);

    [LoggerMessage(EventId = 123, Level = LogLevel.Information, Message = "Personal training ({Mode}) {Outcome}: {Message}")]
    public static partial void Trained(ILogger logger, PersonalizationMode mode, PersonalTrainingOutcome outcome, string message);

    [LoggerMessage(EventId = 124, Level = LogLevel.Information, Message = "Serving the {Served} model: {Reason}")]
    public static partial void Serving(ILogger logger, ServedModel served, string reason);

    [LoggerMessage(EventId = 125, Level = LogLevel.Warning, Message = "Personal training artifacts in {Directory} did not load ({Problem}); regenerating them")]
    public static partial void RegeneratingArtifacts(ILogger logger, string directory, string problem);
}
