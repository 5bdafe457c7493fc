using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Labels;

/// <summary>
/// Checks the DataAnnotations of <see cref="FeedbackLabelOptions"/> with source-generated code: <c>Validator.TryValidateObject</c>
/// finds the attributes by reflection, which a trimmed publish cannot guarantee.
/// </summary>
[OptionsValidator]
internal sealed partial class FeedbackLabelOptionsValidator : IValidateOptions<FeedbackLabelOptions>
{
}
