namespace FedEdge.Sensors.Features;

/// <summary>
/// The share of a signal's power that lies in a frequency band, from a direct real DFT.
/// </summary>
/// <remarks>
/// <para>Definition (per sample, so it does not grow with the window length): for samples
/// x_0..x_{N−1} at rate f_s, X_k = Σ_n x_n e^{−2πikn/N} and</para>
/// <para>P[f_lo, f_hi] = (1/N²) Σ_{k = 0..⌊N/2⌋, f_lo ≤ k f_s / N ≤ f_hi} w_k |X_k|²,
/// w_k = 1 for k = 0 and k = N/2, 2 otherwise (the mirrored negative frequency).</para>
/// <para>By Parseval (Σ x_n² = (1/N) Σ_k |X_k|²) the full band [0, f_s/2] gives the mean square
/// (1/N) Σ x_n², and the band (0, f_s/2] — everything but DC — gives the population variance. A
/// sine of amplitude A on a bin frequency contributes A²/2. O(N²) with a twiddle table on the
/// stack; windows are short (tens to hundreds of samples), so no FFT is needed.</para>
/// </remarks>
public static class SpectralEnergy
{
    /// <summary>Largest series accepted (twiddle table 2 × 8 KiB on the stack).</summary>
    public const int MaxSamples = 1024;

    /// <summary>Band power of <paramref name="samples"/>, in the square of their unit.</summary>
    /// <exception cref="ArgumentException">Empty or too long series, or an invalid band or rate.</exception>
    public static double BandPower(ReadOnlySpan<double> samples, double sampleRateHz, double lowHz, double highHz)
    {
        int n = samples.Length;
        if (n is < 1 or > MaxSamples)
        {
            throw new ArgumentException($"Spectral energy takes 1 to {MaxSamples} samples, got {n}.", nameof(samples));
        }

        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "The sample rate must be positive and finite.");
        }

        if (!(lowHz >= 0) || !(highHz >= lowHz))
        {
            throw new ArgumentException($"The band [{lowHz}, {highHz}] Hz must satisfy 0 ≤ low ≤ high.", nameof(lowHz));
        }

        Span<double> cos = stackalloc double[n];
        Span<double> sin = stackalloc double[n];
        for (int j = 0; j < n; j++)
        {
            (sin[j], cos[j]) = Math.SinCos(2 * Math.PI * j / n);
        }

        double sum = 0;
        for (int k = 0; k <= n / 2; k++)
        {
            double frequency = k * sampleRateHz / n;
            if (frequency < lowHz || frequency > highHz)
            {
                continue;
            }

            double re = 0;
            double im = 0;
            int index = 0;
            for (int t = 0; t < n; t++)
            {
                re += samples[t] * cos[index];
                im -= samples[t] * sin[index];
                index += k;
                if (index >= n)
                {
                    index -= n;
                }
            }

            double weight = k == 0 || 2 * k == n ? 1 : 2;
            sum += weight * ((re * re) + (im * im));
        }

        return sum / ((double)n * n);
    }
}
