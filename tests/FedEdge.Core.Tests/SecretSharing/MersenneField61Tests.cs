using System.Numerics;
using FedEdge.Core.SecretSharing;
using FsCheck.Xunit;

namespace FedEdge.Core.Tests.SecretSharing;

public class MersenneField61Tests
{
    private static ulong Element(ulong raw) => raw % MersenneField61.Modulus;

    [Property(MaxTest = 500)]
    public bool Multiply_agrees_with_big_integer_arithmetic(ulong a, ulong b)
    {
        ulong x = Element(a);
        ulong y = Element(b);
        return MersenneField61.Multiply(x, y) == (ulong)FieldReference.Mod((BigInteger)x * y);
    }

    [Property(MaxTest = 500)]
    public bool Add_and_subtract_agree_with_big_integer_arithmetic(ulong a, ulong b)
    {
        ulong x = Element(a);
        ulong y = Element(b);
        return MersenneField61.Add(x, y) == (ulong)FieldReference.Mod((BigInteger)x + y)
            && MersenneField61.Subtract(x, y) == (ulong)FieldReference.Mod((BigInteger)x - y);
    }

    [Property(MaxTest = 200)]
    public bool Inverse_times_the_element_is_one(ulong a)
    {
        ulong x = Element(a) == 0 ? 1 : Element(a);
        return MersenneField61.Multiply(x, MersenneField61.Inverse(x)) == 1;
    }

    [Fact]
    public void The_largest_elements_reduce_correctly()
    {
        // (p − 1)² ≡ 1 (mod p): the 122-bit product exercises both folds.
        ulong top = MersenneField61.Modulus - 1;
        Assert.Equal(1UL, MersenneField61.Multiply(top, top));
        Assert.Equal(MersenneField61.Modulus - 2, MersenneField61.Add(top, top));
    }

    [Fact]
    public void Zero_has_no_inverse()
    {
        Assert.Throws<DivideByZeroException>(() => MersenneField61.Inverse(0));
    }
}
