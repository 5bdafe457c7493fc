using FedEdge.Core.Privacy;

namespace FedEdge.Core.Tests.Privacy;

public class ErrorFunctionTests
{
    [Theory]
    [InlineData(-3.0)]
    [InlineData(-0.5)]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(2.49)]
    [InlineData(2.51)]
    [InlineData(4.0)]
    [InlineData(8.0)]
    [InlineData(20.0)]
    public void Erfc_matches_MathNet_to_1e_minus_12_relative(double x)
    {
        // Reference: MathNet.Numerics.SpecialFunctions.Erfc (Boost-derived rational approximations).
        double expected = MathNet.Numerics.SpecialFunctions.Erfc(x);
        Assert.Equal(expected, ErrorFunction.Erfc(x), Math.Abs(expected) * 1e-12);
    }

    [Theory]
    [InlineData(30.0)]
    [InlineData(100.0)]
    [InlineData(1000.0)]
    public void LogErfc_follows_the_asymptotic_series_where_erfc_underflows(double x)
    {
        // erfc x = e^{−x²}/(x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + …) (A&S 7.1.23); truncation error ~105/(16x⁸).
        double series = 1 - (1 / (2 * x * x)) + (3 / (4 * Math.Pow(x, 4))) - (15 / (8 * Math.Pow(x, 6)));
        double expected = (-x * x) - Math.Log(x * Math.Sqrt(Math.PI)) + Math.Log(series);
        Assert.Equal(expected, ErrorFunction.LogErfc(x), Math.Abs(expected) * 1e-12);
    }
}
