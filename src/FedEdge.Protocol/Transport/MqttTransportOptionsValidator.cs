using Microsoft.Extensions.Options;

namespace FedEdge.Protocol.Transport;

/// <summary>
/// Checks the DataAnnotations of <see cref="MqttTransportOptions"/> with source-generated code: <c>Validator.TryValidateObject</c>
/// finds the attributes by reflection, which a trimmed publish cannot guarantee.
/// </summary>
[OptionsValidator]
internal sealed partial class MqttTransportOptionsValidator : IValidateOptions<MqttTransportOptions>
{
}
