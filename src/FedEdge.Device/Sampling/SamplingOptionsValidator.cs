using Microsoft.Extensions.Options;

namespace FedEdge.Device.Sampling;

/// <summary>
/// Checks the DataAnnotations of <see cref="SamplingOptions"/> with source-generated code: <c>Validator.TryValidateObject</c>
/// finds the attributes by reflection, which a trimmed publish cannot guarantee.
/// </summary>
[OptionsValidator]
internal sealed partial class SamplingOptionsValidator : IValidateOptions<SamplingOptions>
{
}
