using FedEdge.Device.Configuration;
using System.Text;
using FedEdge.Device.Diagnostics;
using FedEdge.Device.Models;
using FedEdge.Device.Prediction;
using FedEdge.Device.Privacy;
using FedEdge.Core.Privacy;
using FedEdge.Protocol.Outbox;
using Microsoft.Data.Sqlite;
using FedEdge.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// <c>fededge-agent status [--Agent:Key=value ...]</c>: the device's state as one JSON object — the same
/// <see cref="DeviceDiagnostics"/> the agent publishes (state, eligibility and the reason, ε spent and left, last
/// contribution, served model, global model version, outbox depth, the privacy ledger's state and last reset) — read
/// from its state directory without
/// connecting anywhere and without disturbing a running agent.
/// </summary>
/// <remarks>
/// The eligibility, reason and served model are what the running agent last recorded (<see cref="DiagnosticsFile"/>,
/// <c>updated</c> says when); ε, the outbox depth and the model version are read fresh: the privacy ledger
/// read-only (<see cref="PrivacyLedger.OpenReadOnly"/>), the outbox through a read-only SQLite connection
/// (<see cref="SqliteOutbox.InspectUsage"/>), the accepted model version from its file. Nothing is created or
/// written, and no lock a running agent waits for is taken. Only what status reads is checked (the state directory,
/// the privacy budget): a missing broker certificate does not hide the device's state. Exit codes: 0 the JSON was
/// printed; 2 the configuration does not bind, the budget is invalid or the state directory does not exist (one
/// line on standard error); 1 a state file could not be read.
/// </remarks>
public static class AgentStatusCommand
{
    /// <summary>The JSON was printed.</summary>
    public const int Succeeded = 0;

    /// <summary>A state file could not be read.</summary>
    public const int Failed = 1;

    /// <summary>The configuration does not bind, the budget is invalid, or there is no state directory.</summary>
    public const int UsageError = 2;

    private const string Name = "fededge-agent status";

    /// <summary>Runs the command with <paramref name="args"/> (configuration overrides, as for the service).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(time);

        // the sources and precedence of the service (ServiceConfiguration); unknown keys are --check-config's business:
        // status shows the device's state even when a setting it does not read is wrong
        if (!ServiceArguments.TryParse(args, [], [], out var arguments, out string? usage))
        {
            return await FailAsync(error, UsageError, usage!).ConfigureAwait(false);
        }

        AgentOptions options;
        try
        {
            var builder = ServiceConfiguration.CreateBuilder(AgentConfiguration.Sources, arguments);
            options = AgentOptions.Bind(builder.Configuration.GetSection(AgentConfiguration.Sources.SectionName));
        }
        catch (ConfigurationFileException ex)
        {
            return await FailAsync(error, UsageError, "invalid configuration: " + OneLine(ex.Message)).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            return await FailAsync(error, UsageError, "the configuration does not bind: " + OneLine(ex.Message)).ConfigureAwait(false);
        }

        // only what status reads is checked: a device whose broker certificate is missing still has a state to show
        PrivacyBudget budget;
        try
        {
            budget = new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta);
            budget.Validate();
        }
        catch (ArgumentException ex)
        {
            return await FailAsync(error, UsageError, "invalid configuration: Agent:Privacy: " + OneLine(ex.Message)).ConfigureAwait(false);
        }

        string state = options.StateDirectory;
        if (string.IsNullOrWhiteSpace(state))
        {
            return await FailAsync(error, UsageError, "invalid configuration: Agent:StateDirectory is empty").ConfigureAwait(false);
        }

        if (!Directory.Exists(state))
        {
            return await FailAsync(error, UsageError, $"the state directory {state} (Agent:StateDirectory) does not exist; has the agent run on this device?").ConfigureAwait(false);
        }

        DeviceDiagnostics diagnostics;
        try
        {
            diagnostics = Read(options, budget, time);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or SqliteException)
        {
            return await FailAsync(error, Failed, OneLine(ex.Message)).ConfigureAwait(false);
        }

        await output.WriteLineAsync(Encoding.UTF8.GetString(DeviceDiagnosticsJson.Write(diagnostics, indented: true)).AsMemory(), cancellationToken).ConfigureAwait(false);
        return Succeeded;
    }

    private static DeviceDiagnostics Read(AgentOptions options, PrivacyBudget budget, TimeProvider time)
    {
        string state = options.StateDirectory;
        var saved = new DiagnosticsFile(state).TryRead(out string? problem);
        string modelDirectory = Path.Combine(state, "model");
        var models = Directory.Exists(modelDirectory) ? new AcceptedModelStore(modelDirectory) : null;
        string ledgerPath = Path.Combine(state, "privacy.ledger");
        double spent = 0;
        double seen = 0;
        double left = budget.Epsilon;
        DateTimeOffset? ledgerContribution = null;
        DateTimeOffset? resetAt = null;
        string ledgerState = DeviceDiagnostics.LedgerOk;
        try
        {
            // the agent's own checks, read-only: what status says about the ledger is what the agent will do with it
            using var ledger = PrivacyLedger.OpenReadOnly(ledgerPath, budget, new RdpAccountant(), time, PrivacyLedger.OtherDeviceState(state));
            double epsilon = ledger.Spent().Epsilon;
            spent = double.IsFinite(epsilon) ? epsilon : 0;
            double againstAggregator = ledger.SpentAgainstAggregator().Epsilon;
            seen = double.IsFinite(againstAggregator) ? againstAggregator : 0;
            left = ledger.RemainingEpsilon;
            ledgerContribution = DeviceDiagnostics.ContributionTime(ledger.Entries, models?.LastContributedVersion ?? 0);
            resetAt = ledger.LastReset?.Time;
        }
        catch (FileNotFoundException)
        {
            // the agent never ran here: nothing spent
        }
        catch (PrivacyLedgerCorruptException ex)
        {
            ledgerState = ex.Message;
            spent = budget.Epsilon;
            seen = budget.Epsilon;
            left = 0;
        }

        var basis = saved ?? new DeviceDiagnostics
        {
            Device = options.DeviceId,
            Fleet = options.Fleet,
            State = DeviceDiagnostics.UnknownState,
            Reason = problem ?? "no diagnostics recorded yet",
            ServedModel = ActivityClassifier.GlobalModelSource,
            Updated = time.GetUtcNow(),
        };
        return basis with
        {
            EpsilonSpent = spent,
            EpsilonLeft = left,
            EpsilonBudget = budget.Epsilon,
            EpsilonAgainstAggregator = seen,
            CheckInRate = options.Privacy.CheckInRate,
            Ledger = ledgerState,
            LedgerResetAt = resetAt,
            ModelVersion = models?.LastAcceptedVersion ?? basis.ModelVersion,
            OutboxDepth = SqliteOutbox.InspectUsage(Path.Combine(state, "outbox.db")).Entries,
            LastContribution = basis.LastContribution ?? ledgerContribution,
        };
    }

    private static async Task<int> FailAsync(TextWriter error, int code, string message)
    {
        await error.WriteLineAsync($"{Name}: {message}").ConfigureAwait(false);
        return code;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
