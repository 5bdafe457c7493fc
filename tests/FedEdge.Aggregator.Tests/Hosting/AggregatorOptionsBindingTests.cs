using FedEdge.Aggregator.Hosting;
using FedEdge.Hosting.Tests.Configuration;
using Microsoft.Extensions.Configuration;

namespace FedEdge.Aggregator.Tests.Hosting;

public sealed class AggregatorOptionsBindingTests
{
    [Fact]
    public void Every_setting_the_schema_accepts_reaches_the_aggregator_options()
    {
        var unbound = BindingRoundTrip.UnboundSettings(
            "Aggregator",
            section =>
            {
                var options = new AggregatorServiceOptions();
                section.Bind(options);
                return options;
            },
            "Aggregator:Mqtt:LastWillPayload",
            "Aggregator:Mqtt:LastWillTopic");

        Assert.True(unbound.Count == 0, "set but not bound: " + string.Join("; ", unbound));
    }
}
