using FedEdge.Core.Data;
using FedEdge.Core.Parameters;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Training;

namespace FedEdge.Onnx.Privacy;

/// <summary>
/// Sample-level DP-SGD on an <see cref="OrtTrainer"/> whose training graph clips per example
/// (Abadi et al. 2016, Algorithm 1): Poisson-sample a batch, take the sum of per-example
/// gradients clipped to C from the graph, add N(0, σ²C²) per coordinate from a cryptographic
/// source, divide by the expected batch size qn, and run the optimizer on the result.
/// </summary>
/// <remarks>
/// Dividing by the expected (not the realised) batch size keeps the sensitivity of the released
/// average at C/(qn) whatever the batch turned out to be, which is what the RDP analysis of the
/// Poisson-subsampled Gaussian (Mironov et al. 2019) assumes. A batch larger than the trainer's
/// buffers is processed in chunks whose clipped sums add up exactly; an empty batch releases noise only.
/// </remarks>
public sealed class DpSgd
{
    private readonly OrtTrainer _trainer;
    private readonly GaussianNoise _noise;
    private readonly SecureRandomBits _sampling;
    private readonly ParameterSet _sum;
    private readonly int[] _batch;

    /// <summary>Wraps a trainer loaded from DP-SGD artifacts.</summary>
    /// <exception cref="ArgumentException">The trainer's graph does not clip per example.</exception>
    public DpSgd(OrtTrainer trainer, DpSgdSettings settings, GaussianNoise noise, SecureRandomBits sampling, int maxLocalSamples)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLocalSamples, 1);
        settings.Validate();
        if (!trainer.PerExampleClipping)
        {
            throw new ArgumentException(
                $"'{trainer.Artifacts.Directory}' holds a plain training graph, not DP-SGD's per-example pair; generate the artifacts with per-example clipping.",
                nameof(trainer));
        }

        _trainer = trainer;
        _noise = noise;
        _sampling = sampling;
        Settings = settings;
        trainer.ClipNorm = settings.ClipNorm;
        _sum = new ParameterSet(trainer.Gradients.Layout);
        _batch = new int[maxLocalSamples];
    }

    /// <summary>The DP-SGD hyper-parameters in force.</summary>
    public DpSgdSettings Settings { get; }

    /// <summary>Size of the last Poisson-sampled batch.</summary>
    public int LastBatchSize { get; private set; }

    /// <summary>The mechanism that <paramref name="steps"/> steps apply, for the accountant and the ledger.</summary>
    public SubsampledGaussian Mechanism(long steps) => new(Settings.SamplingRate, Settings.NoiseMultiplier, steps);

    /// <summary>
    /// One DP-SGD step over <paramref name="data"/> (the device's local samples). Returns the mean
    /// loss of the sampled batch (NaN for an empty batch). The loss is for monitoring only and is
    /// not privatised: it must not leave the device.
    /// </summary>
    public float Step(Dataset data, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count > _batch.Length)
        {
            throw new ArgumentException($"{data.Count} samples exceed the {_batch.Length} this DP-SGD instance was sized for.", nameof(data));
        }

        int n = PoissonSample(data.Count);
        LastBatchSize = n;
        _sum.Clear();
        double lossSum = 0;
        int chunk = _trainer.Options.MaxBatchSize;
        for (int start = 0; start < n; start += chunk)
        {
            int size = Math.Min(chunk, n - start);
            lossSum += (double)_trainer.ComputeGradients(data, _batch.AsSpan(start, size)) * size;
            _sum.AddScaled(_trainer.Gradients, 1f);
        }

        // g̃ = (Σᵢ clip(gᵢ) + N(0, σ²C²I)) / (q·n_local)
        _noise.AddNoise(_sum.AsSpan(), Settings.NoiseMultiplier * Settings.ClipNorm);
        _sum.Scale((float)(1.0 / (Settings.SamplingRate * data.Count)));
        _trainer.Gradients.CopyFrom(_sum);
        _trainer.OptimizerStep(learningRate);
        return n == 0 ? float.NaN : (float)(lossSum / n);
    }

    /// <summary>
    /// Poisson sampling by geometric gaps: the gap to the next included index is
    /// ⌊ln U / ln(1−q)⌋ + 1, which selects each index independently with probability q in O(qn) draws.
    /// </summary>
    private int PoissonSample(int count)
    {
        double q = Settings.SamplingRate;
        if (q >= 1)
        {
            for (int i = 0; i < count; i++)
            {
                _batch[i] = i;
            }

            return count;
        }

        double logOneMinusQ = Math.Log(1 - q);
        int n = 0;
        long index = -1;
        while (true)
        {
            double u = 1.0 - _sampling.NextUnitInterval(); // (0, 1]
            index += (long)Math.Floor(Math.Log(u) / logOneMinusQ) + 1;
            if (index >= count)
            {
                return n;
            }

            _batch[n++] = (int)index;
        }
    }
}
