using Microsoft.Extensions.Options;

namespace FedEdge.Aggregator.Hosting;

/// <summary>Source-generated DataAnnotations validation of <see cref="AggregatorServiceOptions"/>, nested objects included.</summary>
[OptionsValidator]
public sealed partial class AggregatorServiceOptionsValidator : IValidateOptions<AggregatorServiceOptions>
{
}
