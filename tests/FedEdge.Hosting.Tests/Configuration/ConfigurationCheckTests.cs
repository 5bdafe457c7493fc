using FedEdge.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Hosting.Tests.Configuration;

public sealed class ConfigurationCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private ServiceConfigurationSources Sources => new()
    {
        ServiceName = "fededge-sample",
        SectionName = "Sample",
        SystemFile = _dir.File("system.json"),
        EnvironmentPrefix = "FEDEDGE_TEST_" + Guid.NewGuid().ToString("N")[..8] + "_",
    };

    private static SampleOptions Bind(IConfigurationSection section)
    {
        var options = new SampleOptions();
        section.Bind(options);
        return options;
    }

    private (IReadOnlyList<string> Problems, SampleOptions? Options) Check(string? configJson, params string[] settings)
    {
        var sources = Sources;
        string[] args = configJson is null ? settings : ["--config", _dir.WriteText("config.json", configJson), .. settings];
        Assert.True(ServiceArguments.TryParse(args, [], [], out var arguments, out string? problem), problem);
        var builder = ServiceConfiguration.CreateBuilder(sources, arguments);
        var problems = ConfigurationCheck.Run(builder.Configuration, sources, arguments, Bind, new SampleOptionsValidator(), out var options);
        return (problems, options);
    }

    [Fact]
    public void A_sound_file_binds_without_problems()
    {
        var (problems, options) = Check("""{ "Sample": { "Name": "kitchen", "Count": 3, "Inner": { "Level": 7 } } }""");

        Assert.Empty(problems);
        Assert.Equal("kitchen", options!.Name);
        Assert.Equal(7, options.Inner.Level);
    }

    [Fact]
    public void The_command_line_overrides_the_config_file()
    {
        var (problems, options) = Check("""{ "Sample": { "Name": "kitchen" } }""", "--Sample:Name=hall");

        Assert.Empty(problems);
        Assert.Equal("hall", options!.Name);
    }

    [Fact]
    public void A_misspelt_key_in_the_file_is_a_problem_naming_its_full_path()
    {
        var (problems, _) = Check("""{ "Sample": { "Name": "kitchen", "Inner": { "Levl": 7 } } }""");

        Assert.StartsWith("Sample:Inner:Levl: unknown key", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_top_level_section_in_a_file_is_a_problem_naming_the_file()
    {
        var (problems, _) = Check("""{ "Smaple": { "Name": "kitchen" }, "Sample": { "Name": "x" } }""");

        string problem = Assert.Single(problems);
        Assert.Contains("config.json: unknown section 'Smaple'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setting_for_another_section_on_the_command_line_is_a_problem()
    {
        var (problems, _) = Check(null, "--Sample:Name=x", "--Other:Name=y");

        Assert.Contains("command line: unknown section 'Other'", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_its_key_and_the_allowed_values()
    {
        var (problems, options) = Check(null, "--Sample:Name=x", "--Sample:Mode=Sideways");

        Assert.Null(options);
        string problem = Assert.Single(problems);
        Assert.StartsWith("Sample:Mode: ", problem, StringComparison.Ordinal);
        Assert.Contains("(expected one of Off, On)", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_failures_name_full_paths_including_nested_members()
    {
        var (problems, options) = Check(null, "--Sample:Count=0", "--Sample:Inner:Level=500");

        Assert.NotNull(options); // bound, but not valid
        Assert.Contains(problems, p => p.StartsWith("Sample:Name: The Sample:Name field is required.", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Sample:Count: The field Sample:Count must be between 1 and 10.", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Sample:Inner:Level: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bare_member_name_from_an_options_object_is_found_in_the_tree()
    {
        Assert.Equal("Sample:Inner:Path: does not exist", ConfigurationCheck.FullPath<SampleOptions>("Sample", "Path: does not exist"));
        Assert.Equal("Sample:Training: already named", ConfigurationCheck.FullPath<SampleOptions>("Sample", "Sample:Training: already named"));
    }

    [Fact]
    public void A_config_file_that_does_not_exist_is_a_file_error()
    {
        Assert.True(ServiceArguments.TryParse(["--config", _dir.File("none.json")], [], [], out var arguments, out _));

        var ex = Assert.Throws<ConfigurationFileException>(() => ServiceConfiguration.CreateBuilder(Sources, arguments));

        Assert.Contains("none.json: no such file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_file_that_is_not_json_is_a_file_error_with_the_position()
    {
        Assert.True(ServiceArguments.TryParse(["--config", _dir.WriteText("broken.json", "{ \"Sample\": {")], [], [], out var arguments, out _));

        var ex = Assert.Throws<ConfigurationFileException>(() => ServiceConfiguration.CreateBuilder(Sources, arguments));

        Assert.Contains("broken.json: not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains("LineNumber", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();
}
