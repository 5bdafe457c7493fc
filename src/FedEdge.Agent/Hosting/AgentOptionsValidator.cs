using Microsoft.Extensions.Options;

namespace FedEdge.Agent.Hosting;

/// <summary>Source-generated DataAnnotations validation of <see cref="AgentOptions"/>, nested objects included.</summary>
[OptionsValidator]
public sealed partial class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
}
