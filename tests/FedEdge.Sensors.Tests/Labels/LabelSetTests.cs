using FedEdge.Sensors.Labels;

namespace FedEdge.Sensors.Tests.Labels;

public class LabelSetTests
{
    [Fact]
    public void TryGetIndex_maps_names_to_their_position_ignoring_case()
    {
        var set = new LabelSet(["empty", "sleeping", "cooking"]);

        Assert.True(set.TryGetIndex("Cooking", out int index));
        Assert.Equal(2, index);
    }

    [Fact]
    public void Duplicate_names_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LabelSet(["a", "A"]));
    }
}
