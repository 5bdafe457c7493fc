using FedEdge.Cli.Conventions;

namespace FedEdge.Cli.Tests.Conventions;

public class UsageExceptionTests
{
    [Fact]
    public void A_core_range_error_becomes_one_line_naming_the_flag_without_the_clr_parameter()
    {
        var core = new ArgumentOutOfRangeException("targetEpsilon", 0.0001, "ε = 0.0001 is unreachable.");

        var usage = UsageException.For("--epsilon", core);

        Assert.Equal("--epsilon: ε = 0.0001 is unreachable.", usage.Message);
        Assert.Same(core, usage.InnerException);
    }

    [Fact]
    public void A_core_error_that_names_the_flag_itself_keeps_its_text()
    {
        var usage = UsageException.From(new ArgumentException("Invalid simulation options: --devices must be in 1..10000.", "options"));

        Assert.Equal("Invalid simulation options: --devices must be in 1..10000.", usage.Message);
    }
}
