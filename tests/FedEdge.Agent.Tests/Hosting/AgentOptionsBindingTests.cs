using FedEdge.Device.Configuration;
using FedEdge.Agent.Hosting;
using FedEdge.Hosting.Configuration;
using FedEdge.Hosting.Tests.Configuration;

namespace FedEdge.Agent.Tests.Hosting;

public sealed class AgentOptionsBindingTests
{
    [Fact]
    public void Every_setting_the_schema_accepts_reaches_the_options_through_the_agents_binding()
    {
        // the last will is set by the agent from its status; the payload is not text (the schema refuses it as a key)
        var unbound = BindingRoundTrip.UnboundSettings("Agent", AgentOptions.Bind, "Agent:Mqtt:LastWillPayload", "Agent:Mqtt:LastWillTopic");

        Assert.True(unbound.Count == 0, "set but not bound: " + string.Join("; ", unbound));
    }

    [Fact]
    public void A_key_that_cannot_be_configured_is_unknown_to_the_schema()
    {
        Assert.Empty(OptionsSchema.PathsOf(typeof(AgentOptions), "LastWillPayload"));
    }
}
