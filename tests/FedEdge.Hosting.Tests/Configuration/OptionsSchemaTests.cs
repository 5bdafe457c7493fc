using FedEdge.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Hosting.Tests.Configuration;

public sealed class OptionsSchemaTests
{
    private static IReadOnlyList<string> Unknown(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        return OptionsSchema.UnknownKeys(configuration.GetSection("Sample"), typeof(SampleOptions));
    }

    [Fact]
    public void Known_keys_of_every_shape_pass()
    {
        var problems = Unknown(
            ("Sample:Name", "x"),
            ("Sample:count", "3"), // the binder matches names without regard to case
            ("Sample:Interval", "00:00:05"),
            ("Sample:Mode", "On"),
            ("Sample:Inner:Level", "4"),
            ("Sample:Tags:0", "a"),
            ("Sample:Tags:1", "b"),
            ("Sample:Items:0:Level", "1"),
            ("Sample:Named:kitchen:Path", "/x"));

        Assert.Empty(problems);
    }

    [Fact]
    public void A_misspelt_nested_key_is_named_by_its_full_path_with_the_keys_that_exist()
    {
        var problems = Unknown(("Sample:Inner:Levle", "4"));

        string problem = Assert.Single(problems);
        Assert.StartsWith("Sample:Inner:Levle: unknown key", problem, StringComparison.Ordinal);
        Assert.Contains("the settings of Sample:Inner are Level, Path", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_unknown_key_is_reported_not_only_the_first()
    {
        var problems = Unknown(("Sample:Nmae", "x"), ("Sample:Inner:Levle", "4"), ("Sample:Items:0:Levle", "1"));

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Sample:Items:0:Levle:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_computed_property_is_not_a_setting()
    {
        var problems = Unknown(("Sample:HasTags", "true"));

        Assert.StartsWith("Sample:HasTags: unknown key", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_where_a_value_belongs_is_refused()
    {
        var problems = Unknown(("Sample:Count:Max", "3"));

        Assert.Equal("Sample:Count: is a single value (Int32), not a section", Assert.Single(problems));
    }

    [Fact]
    public void A_value_where_a_section_belongs_is_refused()
    {
        var problems = Unknown(("Sample:Inner", "4"));

        Assert.StartsWith("Sample:Inner: is a section", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_entry_under_a_list_is_refused()
    {
        var problems = Unknown(("Sample:Tags:first", "a"));

        Assert.StartsWith("Sample:Tags:first: Sample:Tags is a list", Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void PathsOf_finds_a_setting_anywhere_in_the_tree()
    {
        Assert.Equal(["Inner:Level"], OptionsSchema.PathsOf(typeof(SampleOptions), "Level"));
        Assert.Empty(OptionsSchema.PathsOf(typeof(SampleOptions), "Nothing"));
    }

    [Fact]
    public void TypeAt_follows_a_key_path_and_Describe_lists_enum_values()
    {
        Assert.Equal(typeof(int), OptionsSchema.TypeAt(typeof(SampleOptions), "Inner:Level"));
        Assert.Null(OptionsSchema.TypeAt(typeof(SampleOptions), "Inner:Nothing"));
        Assert.Equal("one of Off, On", OptionsSchema.Describe(OptionsSchema.TypeAt(typeof(SampleOptions), "Mode")!));
    }
}
