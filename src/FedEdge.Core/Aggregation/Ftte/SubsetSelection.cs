using System.Diagnostics.CodeAnalysis;
using FedEdge.Core.Codecs;
using FedEdge.Core.Parameters;

namespace FedEdge.Core.Aggregation.Ftte;

/// <summary>
/// FTTE's server-side choice of the sparse trainable subset (arXiv 2510.03165: the server picks a subset that
/// fits the most constrained participating device). How many: the largest k the
/// <see cref="TrainingMemoryModel"/> allows under the smallest budget. Which: the k coordinates with the largest
/// importance, where importance is an exponential moving average of |aggregated global step| per coordinate
/// (<see cref="AccumulateImportance"/>) — coordinates the fleet has recently moved most are the ones still
/// learning — with ties broken towards the higher flat index, i.e. later tensors first. In a layout ordered from
/// input to output that means "last layers first" when there is no history yet (all importances 0), which is
/// the usual choice for on-device fine-tuning. A fraction ρ of k is instead drawn uniformly from the rest with
/// the injected <see cref="Random"/>, so coordinates never trained get a chance to earn importance (without it
/// the rule only ever re-selects what it selected). Deterministic given the inputs and the Random's state.
/// </summary>
public static class SubsetSelection
{
    /// <summary>Default ρ: 10 % of the budget explores.</summary>
    public const double DefaultExplorationFraction = 0.1;

    /// <summary>
    /// Chooses the subset for a device with <paramref name="budgetBytes"/> of training memory. False when not
    /// even one parameter fits (the device should not be asked to train).
    /// </summary>
    /// <param name="layout">The model layout.</param>
    /// <param name="budgetBytes">Training memory of the most constrained participating device.</param>
    /// <param name="memory">The memory model for that device class.</param>
    /// <param name="importance">Per-coordinate importance (finite, ≥ 0), length N.</param>
    /// <param name="explorationFraction">ρ ∈ [0, 1]: share of k drawn at random from the non-selected coordinates.</param>
    /// <param name="random">Seeded source for the exploration draw (unused when ρ·k &lt; 1).</param>
    /// <param name="subset">The chosen subset, sorted.</param>
    public static bool TrySelect(
        ParameterLayout layout,
        long budgetBytes,
        TrainingMemoryModel memory,
        ReadOnlySpan<float> importance,
        double explorationFraction,
        Random random,
        [NotNullWhen(true)] out ParameterSubset? subset)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(random);
        int n = layout.TotalLength;
        if (importance.Length != n)
        {
            throw new ArgumentException($"Importance has {importance.Length} entries, the layout {n}.", nameof(importance));
        }

        if (!(explorationFraction >= 0.0 && explorationFraction <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(explorationFraction), explorationFraction, "ρ must lie in [0, 1].");
        }

        foreach (float v in importance)
        {
            if (!(v >= 0f) || float.IsPositiveInfinity(v))
            {
                throw new ArgumentException("Importance values must be finite and ≥ 0.", nameof(importance));
            }
        }

        int k = memory.MaxTrainable(layout, budgetBytes);
        if (k == 0)
        {
            subset = null;
            return false;
        }

        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        if (k < n)
        {
            // Total order (importance desc, then index desc), so the sort's result does not depend on its algorithm.
            float[] keys = importance.ToArray();
            Array.Sort(order, (a, b) =>
            {
                int byImportance = keys[b].CompareTo(keys[a]);
                return byImportance != 0 ? byImportance : b.CompareTo(a);
            });

            int explore = (int)Math.Floor(explorationFraction * k);
            int exploit = k - explore;
            for (int i = exploit; i < k; i++)
            {
                int j = random.Next(i, n);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }

        int[] chosen = order[..k];
        Array.Sort(chosen);
        subset = new ParameterSubset(chosen, n);
        return true;
    }

    /// <summary>
    /// importance ← decay · importance + |step| after each aggregation (step = new global − old global), the
    /// exponential moving average of step magnitudes the selection ranks by.
    /// </summary>
    public static void AccumulateImportance(Span<float> importance, ReadOnlySpan<float> step, float decay)
    {
        if (importance.Length != step.Length)
        {
            throw new ArgumentException("Importance and step lengths differ.", nameof(step));
        }

        if (!(decay >= 0f && decay <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay must lie in [0, 1].");
        }

        for (int i = 0; i < importance.Length; i++)
        {
            importance[i] = (decay * importance[i]) + Math.Abs(step[i]);
        }
    }
}
