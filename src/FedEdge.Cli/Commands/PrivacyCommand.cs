using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FedEdge.Cli.Conventions;
using FedEdge.Core.Privacy;

namespace FedEdge.Cli.Commands;

/// <summary>
/// <c>fededge privacy epsilon|sigma</c>: the RDP accountant of the Poisson-subsampled Gaussian
/// (Mironov et al. 2019), forward (ε spent) and inverse (smallest σ for a target ε).
/// </summary>
internal static class PrivacyCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("privacy", "Privacy accounting for DP-SGD and DP-FedAvg (RDP of the subsampled Gaussian).");
        command.Subcommands.Add(Epsilon(output));
        command.Subcommands.Add(Sigma(output));
        return command;
    }

    private static Option<double> Q() =>
        new Option<double>("--q") { Description = "Poisson sampling rate per step, in (0, 1].", Required = true }.Must(q => q is > 0 and <= 1, "in (0, 1]");

    private static Option<long> Steps() =>
        new Option<long>("--steps") { Description = "Number of steps (compositions), at least 1.", Required = true }.Must(steps => steps >= 1, "at least 1");

    private static Option<double> Delta() => new Option<double>("--delta") { Description = "Target δ, in (0, 1).", DefaultValueFactory = _ => 1e-5 }.OpenUnitInterval();

    private static Option<bool> Json() => new("--json") { Description = "Print one JSON object instead of text." };

    private static Option<string> Conversion()
    {
        var option = new Option<string>("--conversion")
        {
            Description = "RDP→(ε,δ) conversion: tight (Canonne–Kamath–Steinke 2020 / Balle et al. 2020) or classic (Mironov 2017).",
            DefaultValueFactory = _ => "tight",
        };
        option.AcceptOnlyFromAmong("tight", "classic");
        return option;
    }

    private static ConversionMethod Method(string name) => name == "classic" ? ConversionMethod.Classic : ConversionMethod.Tight;

    private static Command Epsilon(TextWriter output)
    {
        var q = Q();
        var sigma = new Option<double>("--sigma") { Description = "Noise multiplier σ.", Required = true }.Positive();
        var steps = Steps();
        var delta = Delta();
        var conversion = Conversion();
        var json = Json();
        var command = new Command("epsilon", "ε spent by `steps` steps of the subsampled Gaussian at rate q and noise σ.")
        {
            q, sigma, steps, delta, conversion, json,
        };
        command.SetAction(parse =>
        {
            var mechanism = new SubsampledGaussian(parse.GetValue(q), parse.GetValue(sigma), parse.GetValue(steps));
            var spent = new RdpAccountant().GetPrivacySpent(mechanism, parse.GetValue(delta), Method(parse.GetValue(conversion)!));
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["q"] = mechanism.SamplingRate,
                    ["sigma"] = mechanism.NoiseMultiplier,
                    ["steps"] = mechanism.Steps,
                    ["delta"] = spent.Delta,
                    ["epsilon"] = spent.Epsilon,
                    ["order"] = spent.Order,
                    ["conversion"] = parse.GetValue(conversion)!,
                }));
            }
            else
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ε = {spent.Epsilon:G6} at δ = {spent.Delta:G3} (q = {mechanism.SamplingRate:G6}, σ = {mechanism.NoiseMultiplier:G6}, {mechanism.Steps} steps; best RDP order α = {spent.Order:G4}, {parse.GetValue(conversion)} conversion)"));
            }
        });
        return command;
    }

    private static Command Sigma(TextWriter output)
    {
        var epsilon = new Option<double>("--epsilon") { Description = "Target ε.", Required = true }.Positive();
        var delta = Delta();
        var q = Q();
        var steps = Steps();
        var conversion = Conversion();
        var json = Json();
        var command = new Command("sigma", "The smallest noise multiplier σ that keeps `steps` steps at rate q within (ε, δ).")
        {
            epsilon, delta, q, steps, conversion, json,
        };
        command.SetAction(parse =>
        {
            var accountant = new RdpAccountant();
            var method = Method(parse.GetValue(conversion)!);
            double sigma;
            try
            {
                sigma = accountant.MinimumNoiseMultiplier(parse.GetValue(epsilon), parse.GetValue(delta), parse.GetValue(q), parse.GetValue(steps), method);
            }
            catch (ArgumentOutOfRangeException ex)
            {
                // Every input is in range by now: what remains is a target no σ in the search bracket reaches.
                throw UsageException.For("--epsilon", ex);
            }

            var spent = accountant.GetPrivacySpent(new SubsampledGaussian(parse.GetValue(q), sigma, parse.GetValue(steps)), parse.GetValue(delta), method);
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["sigma"] = sigma,
                    ["epsilon"] = spent.Epsilon,
                    ["targetEpsilon"] = parse.GetValue(epsilon),
                    ["delta"] = spent.Delta,
                    ["q"] = parse.GetValue(q),
                    ["steps"] = parse.GetValue(steps),
                    ["conversion"] = parse.GetValue(conversion)!,
                }));
            }
            else
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"σ = {sigma:G6} (spends ε = {spent.Epsilon:G6} ≤ {parse.GetValue(epsilon):G6} at δ = {spent.Delta:G3}; q = {parse.GetValue(q):G6}, {parse.GetValue(steps)} steps, {parse.GetValue(conversion)} conversion)"));
            }
        });
        return command;
    }
}
