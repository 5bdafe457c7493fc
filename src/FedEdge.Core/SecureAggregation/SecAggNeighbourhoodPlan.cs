namespace FedEdge.Core.SecureAggregation;

/// <summary>
/// Degree k and Shamir threshold t for a SecAgg+ group of n devices, with the failure probabilities that justify them
/// (Bell et al. 2020 choose k = O(log n) and t so that, over the random graph, (i) no honest device has t colluding
/// neighbours, (ii) every device keeps t responsive neighbours, (iii) the honest survivors stay connected, each except
/// with probability 2^−σ or 2^−η). The bounds below are derived for <see cref="SecAggNeighbourhood"/>'s randomly
/// relabelled Harary graph, where each neighbourhood is a uniform k-subset of the other n − 1 devices, by union bounds
/// over the n devices; they are upper bounds, not the paper's exact constants.
/// <list type="bullet">
/// <item><b>Privacy</b> (<see cref="CollusionBound"/>): m colluding devices hold t shares of an honest device's mask key
/// only if t of its k neighbours collude: P ≤ n · P[Hypergeometric(n − 1, m, k) ≥ t].</item>
/// <item><b>Correctness</b> (<see cref="DropoutBound"/>): with each device dropping independently with probability ρ
/// before the unmasking round, a secret is lost when fewer than t of k neighbours answer: P ≤ n · P[Binomial(k, 1 − ρ) &lt; t].</item>
/// <item><b>Connectivity</b> (<see cref="DisconnectionBound"/>): on the ring a vertex set stays connected unless two
/// runs of ≥ k/2 consecutive removed (colluding or dropped) positions cut it; each position is removed with
/// probability at most r = m/n + (1 − m/n)ρ, and sampling without replacement only lowers the chance that j given
/// positions are all removed (the hypergeometric is dominated by the binomial in convex order), so
/// P ≤ n · r^(k/2) (one run, a fortiori two). A disconnected honest remainder would reveal partial sums.</item>
/// </list>
/// </summary>
/// <param name="GroupSize">n.</param>
/// <param name="Degree">k (n − 1: the complete graph of plain SecAgg).</param>
/// <param name="Threshold">t, the Shamir threshold within each neighbourhood.</param>
/// <param name="CollusionBound">Upper bound on the probability that some honest device's secrets are exposed.</param>
/// <param name="DropoutBound">Upper bound on the probability that the round cannot be unmasked.</param>
/// <param name="DisconnectionBound">Upper bound on the probability that the honest survivors' graph is disconnected.</param>
public sealed record SecAggNeighbourhoodPlan(
    int GroupSize,
    int Degree,
    int Threshold,
    double CollusionBound,
    double DropoutBound,
    double DisconnectionBound)
{
    /// <summary>Default statistical security: privacy failures at most 2⁻⁴⁰ (Bell et al. 2020 use σ = 40).</summary>
    public const int DefaultSecurityBits = 40;

    /// <summary>Default correctness: an unrecoverable round at most 2⁻²⁰.</summary>
    public const int DefaultCorrectnessBits = 20;

    /// <summary>
    /// The smallest even k (or the complete graph) and, for it, the largest t meeting all three bounds: privacy and
    /// connectivity ≤ 2^−<paramref name="securityBits"/>, dropout ≤ 2^−<paramref name="correctnessBits"/>.
    /// </summary>
    /// <param name="groupSize">n ≥ 2.</param>
    /// <param name="dropoutRate">ρ in [0, 1): each device's probability of dropping before the unmasking round.</param>
    /// <param name="colluding">m, the number of devices assumed to collude with the aggregator (0 ≤ m &lt; n).</param>
    /// <param name="securityBits">σ.</param>
    /// <param name="correctnessBits">η.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, or no k ≤ n − 1 meets the targets.</exception>
    public static SecAggNeighbourhoodPlan Choose(
        int groupSize,
        double dropoutRate,
        int colluding,
        int securityBits = DefaultSecurityBits,
        int correctnessBits = DefaultCorrectnessBits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 2);
        if (!(dropoutRate >= 0.0 && dropoutRate < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(dropoutRate), dropoutRate, "The dropout rate must lie in [0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(colluding);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(colluding, groupSize);
        double security = Math.Pow(2, -securityBits);
        double correctness = Math.Pow(2, -correctnessBits);

        for (int k = 2; ; k += 2)
        {
            bool complete = k >= groupSize - 1;
            int degree = complete ? groupSize - 1 : k;
            for (int t = degree; t >= 2; t--)
            {
                var plan = Evaluate(groupSize, degree, t, dropoutRate, colluding);
                if (plan.DropoutBound > correctness)
                {
                    continue; // a smaller t is easier to meet
                }

                if (plan.CollusionBound <= security && plan.DisconnectionBound <= security)
                {
                    return plan;
                }

                break; // smaller t only weakens privacy
            }

            if (complete)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(dropoutRate),
                    dropoutRate,
                    $"No neighbourhood meets 2^−{securityBits} privacy and 2^−{correctnessBits} correctness for n = {groupSize}, ρ = {dropoutRate}, m = {colluding}.");
            }
        }
    }

    /// <summary>The three bounds for a given (n, k, t), ρ and m.</summary>
    public static SecAggNeighbourhoodPlan Evaluate(int groupSize, int degree, int threshold, double dropoutRate, int colluding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(degree, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(degree, groupSize - 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, degree);

        double n = groupSize;
        double collusion = Math.Min(1.0, n * HypergeometricUpperTail(groupSize - 1, colluding, degree, threshold));
        double dropout = Math.Min(1.0, n * BinomialLowerTail(degree, 1.0 - dropoutRate, threshold - 1));
        double disconnection;
        if (degree == groupSize - 1)
        {
            disconnection = 0.0; // any subset of a complete graph is connected
        }
        else
        {
            double removed = (colluding / n) + ((1.0 - (colluding / n)) * dropoutRate);
            disconnection = Math.Min(1.0, n * Math.Pow(removed, degree / 2));
        }

        return new SecAggNeighbourhoodPlan(groupSize, degree, threshold, collusion, dropout, disconnection);
    }

    /// <summary>P[X ≥ t] for X ~ Hypergeometric(population N, K marked, k draws), summed exactly in log space.</summary>
    internal static double HypergeometricUpperTail(int population, int marked, int draws, int atLeast)
    {
        double logTotal = LogChoose(population, draws);
        double sum = 0.0;
        for (int i = atLeast; i <= Math.Min(draws, marked); i++)
        {
            if (draws - i > population - marked)
            {
                continue;
            }

            sum += Math.Exp(LogChoose(marked, i) + LogChoose(population - marked, draws - i) - logTotal);
        }

        return sum;
    }

    /// <summary>P[X ≤ j] for X ~ Binomial(k, p).</summary>
    internal static double BinomialLowerTail(int trials, double p, int atMost)
    {
        if (atMost < 0)
        {
            return 0.0;
        }

        if (p >= 1.0)
        {
            return atMost >= trials ? 1.0 : 0.0;
        }

        double sum = 0.0;
        for (int i = 0; i <= Math.Min(atMost, trials); i++)
        {
            sum += Math.Exp(LogChoose(trials, i) + (i * Math.Log(p)) + ((trials - i) * Math.Log(1.0 - p)));
        }

        return sum;
    }

    private static double LogChoose(int n, int k)
    {
        if (k < 0 || k > n)
        {
            return double.NegativeInfinity;
        }

        k = Math.Min(k, n - k);
        double log = 0.0;
        for (int i = 1; i <= k; i++)
        {
            log += Math.Log((double)(n - k + i) / i);
        }

        return log;
    }
}
