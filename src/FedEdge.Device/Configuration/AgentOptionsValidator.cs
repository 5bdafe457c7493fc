using Microsoft.Extensions.Options;

namespace FedEdge.Device.Configuration;

/// <summary>Source-generated DataAnnotations validation of <see cref="AgentOptions"/>, nested objects included.</summary>
[OptionsValidator]
public sealed partial class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
}
