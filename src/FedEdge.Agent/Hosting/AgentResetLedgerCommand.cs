using System.Globalization;
using FedEdge.Core.Privacy;
using FedEdge.Device.Configuration;
using FedEdge.Device.Privacy;
using FedEdge.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Agent.Hosting;

/// <summary>
/// <c>fededge-agent reset-ledger --i-understand [--Agent:Key=value ...]</c>: starts a refused privacy ledger again
/// (<see cref="PrivacyLedger.Reset"/>). The old ledger and its witness are kept beside the new one, and the new ledger's
/// first record carries forward the most ε any surviving record says was spent (the whole budget when nothing survived),
/// so the reset never gives budget back; the agent logs the reset at every start and its status reports when it happened.
/// </summary>
/// <remarks>
/// Exit codes: 0 the ledger was reset; 1 it could not be (the agent holds it — stop it first — or a file could not be
/// written); 2 <c>--i-understand</c> is missing, or the configuration does not bind.
/// </remarks>
public static class AgentResetLedgerCommand
{
    /// <summary>The switch that says the operator read what a reset means.</summary>
    public const string Confirmation = "--i-understand";

    private const string Name = "fededge-agent reset-ledger";

    /// <summary>Runs the command with <paramref name="args"/> (the confirmation, then configuration overrides as for the service).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(time);
        if (!ServiceArguments.TryParse(args, [Confirmation], [], out var arguments, out string? usage))
        {
            return await FailAsync(error, 2, usage!).ConfigureAwait(false);
        }

        if (!arguments.Has(Confirmation))
        {
            return await FailAsync(
                error,
                2,
                $"refused without {Confirmation}. A reset starts a new privacy ledger for a device whose ledger was refused (damaged, records lost, or missing); " +
                "the old files are kept, and the new ledger carries forward the most ε any surviving record says was spent — the whole budget if none survived — " +
                $"so the device never gets budget back. Stop the agent, then run: {PrivacyLedger.ResetCommand}").ConfigureAwait(false);
        }

        AgentOptions options;
        PrivacyBudget budget;
        try
        {
            var builder = ServiceConfiguration.CreateBuilder(AgentConfiguration.Sources, arguments);
            options = AgentOptions.Bind(builder.Configuration.GetSection(AgentConfiguration.Sources.SectionName));
            budget = new PrivacyBudget(options.Privacy.Epsilon, options.Privacy.Delta);
            budget.Validate();
        }
        catch (Exception ex) when (ex is ConfigurationFileException or InvalidOperationException or ArgumentException)
        {
            return await FailAsync(error, 2, "invalid configuration: " + ex.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
        }

        if (string.IsNullOrWhiteSpace(options.StateDirectory) || !Directory.Exists(options.StateDirectory))
        {
            return await FailAsync(error, 2, $"the state directory '{options.StateDirectory}' (Agent:StateDirectory) does not exist").ConfigureAwait(false);
        }

        PrivacyLedgerReset reset;
        try
        {
            reset = PrivacyLedger.Reset(Path.Combine(options.StateDirectory, "privacy.ledger"), budget, new RdpAccountant(), time);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return await FailAsync(error, 1, ex.Message.ReplaceLineEndings(" ")).ConfigureAwait(false);
        }

        string kept = reset.KeptFiles.Count == 0 ? "no old files existed" : "the old files are kept: " + string.Join(", ", reset.KeptFiles);
        await output.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{Name}: the privacy ledger of device {options.DeviceId} was started again at {time.GetUtcNow():u}; ε = {reset.CarriedEpsilon:G6} spent before it (from the {reset.Source}, {reset.PreviousRecords} readable records) is carried forward, of the budget ε = {budget.Epsilon:G6}; {kept}.")).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> FailAsync(TextWriter error, int code, string message)
    {
        await error.WriteLineAsync($"{Name}: {message}").ConfigureAwait(false);
        return code;
    }
}
