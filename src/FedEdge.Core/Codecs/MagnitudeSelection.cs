namespace FedEdge.Core.Codecs;

/// <summary>Selection of the k-th largest value (Hoare's FIND, CACM 1961), expected O(n).</summary>
internal static class MagnitudeSelection
{
    /// <summary>
    /// The <paramref name="k"/>-th largest value of <paramref name="values"/> (1-based), which is
    /// reordered in the process. Values must not be NaN.
    /// </summary>
    public static float KthLargest(Span<float> values, int k)
    {
        int target = k - 1;
        int lo = 0;
        int hi = values.Length - 1;
        while (lo < hi)
        {
            float pivot = MedianOfThree(values[lo], values[lo + ((hi - lo) / 2)], values[hi]);
            int i = lo;
            int j = hi;
            // Descending partition: [lo..j] ≥ pivot, [i..hi] ≤ pivot, (j..i) == pivot. The pivot is
            // an element of the range, so both scans stop inside it.
            while (i <= j)
            {
                while (values[i] > pivot)
                {
                    i++;
                }

                while (values[j] < pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (target <= j)
            {
                hi = j;
            }
            else if (target >= i)
            {
                lo = i;
            }
            else
            {
                return values[target];
            }
        }

        return values[target];
    }

    private static float MedianOfThree(float a, float b, float c) =>
        Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
