using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Hosting.Tests.Configuration;

/// <summary>An options tree with the shapes the services use: values, an enum, a nested section, a list, a get-only list, a dictionary.</summary>
public sealed class SampleOptions
{
    [Required]
    public string Name { get; set; } = string.Empty;

    [Range(1, 10)]
    public int Count { get; set; } = 1;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    public SampleMode Mode { get; set; }

    [ValidateObjectMembers]
    public SampleInner Inner { get; set; } = new();

    public IList<string> Tags { get; init; } = [];

    [ValidateEnumeratedItems]
    public List<SampleInner> Items { get; } = [];

    public Dictionary<string, SampleNamed> Named { get; set; } = [];

    /// <summary>Computed: not a setting.</summary>
    public bool HasTags => Tags.Count > 0;
}

public enum SampleMode
{
    Off,
    On,
}

public sealed class SampleInner
{
    [Range(0, 100)]
    public int Level { get; set; }

    public string? Path { get; set; }
}

public sealed class SampleNamed
{
    public string? Path { get; set; }
}

[OptionsValidator]
public sealed partial class SampleOptionsValidator : IValidateOptions<SampleOptions>
{
}
