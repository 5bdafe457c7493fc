using FedEdge.Hosting.Configuration;

namespace FedEdge.Hosting.Tests.Configuration;

public sealed class ServiceArgumentsTests
{
    private static (bool Ok, ServiceArguments Parsed, string? Problem) Parse(params string[] args)
    {
        bool ok = ServiceArguments.TryParse(args, ["--self-test"], ["status"], out var parsed, out string? problem);
        return (ok, parsed, problem);
    }

    [Fact]
    public void Switches_the_config_file_and_settings_are_told_apart()
    {
        var (ok, parsed, _) = Parse("--check-config", "--config", "/tmp/a.json", "--Agent:Fleet=home", "--Agent:DeviceId", "pi-1", "/Agent:Codec=Float16", "Agent:Epochs=2");

        Assert.True(ok);
        Assert.True(parsed.CheckConfig);
        Assert.False(parsed.Has("--self-test"));
        Assert.Equal("/tmp/a.json", parsed.ConfigFile);
        Assert.Equal(["--Agent:Fleet=home", "--Agent:DeviceId", "pi-1", "/Agent:Codec=Float16", "Agent:Epochs=2"], parsed.Settings);
    }

    [Fact]
    public void A_verb_counts_only_in_first_place()
    {
        Assert.Equal("status", Parse("status", "--config=/x.json").Parsed.Verb);
        Assert.False(Parse("--self-test", "status").Ok);
    }

    [Theory]
    [InlineData("--chek-config")]
    [InlineData("--selftest")]
    [InlineData("DeviceId=pi-1")]
    [InlineData("stray")]
    public void An_argument_that_is_neither_a_switch_nor_a_setting_is_refused_by_name(string argument)
    {
        var (ok, _, problem) = Parse(argument);

        Assert.False(ok);
        Assert.Contains($"'{argument}'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_without_a_file_is_refused()
    {
        var (ok, _, problem) = Parse("--config");

        Assert.False(ok);
        Assert.Equal("--config needs a file", problem);
    }

    [Fact]
    public void A_setting_flag_without_its_value_is_refused()
    {
        var (ok, _, problem) = Parse("--Agent:Fleet");

        Assert.False(ok);
        Assert.Contains("--Agent:Fleet needs a value", problem, StringComparison.Ordinal);
    }
}
