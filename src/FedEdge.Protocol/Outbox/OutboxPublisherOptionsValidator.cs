using Microsoft.Extensions.Options;

namespace FedEdge.Protocol.Outbox;

/// <summary>
/// Checks the DataAnnotations of <see cref="OutboxPublisherOptions"/> with source-generated code: <c>Validator.TryValidateObject</c>
/// finds the attributes by reflection, which a trimmed publish cannot guarantee.
/// </summary>
[OptionsValidator]
internal sealed partial class OutboxPublisherOptionsValidator : IValidateOptions<OutboxPublisherOptions>
{
}
