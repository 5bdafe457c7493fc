using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Storage;

/// <summary>
/// Checks the DataAnnotations of <see cref="SampleStoreOptions"/> with source-generated code: <c>Validator.TryValidateObject</c>
/// finds the attributes by reflection, which a trimmed publish cannot guarantee.
/// </summary>
[OptionsValidator]
internal sealed partial class SampleStoreOptionsValidator : IValidateOptions<SampleStoreOptions>
{
}
