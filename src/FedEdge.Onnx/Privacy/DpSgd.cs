using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
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
/// The step's noise does not depend on the data, so it is drawn on a thread-pool thread while ONNX
/// Runtime computes the clipped sum (<see cref="DrawNoiseConcurrently"/>); drawing it takes about a
/// fifth of a DP-SGD step on the digits MLP (8 of 46 µs, docs/performance.md). The noise object is used by one thread at a time, only
/// inside <see cref="Step"/>, after the batch is sampled, so the random stream is consumed in the same
/// order as when drawn inline. The per-step loops here and in <see cref="PerExampleClipper"/> and
/// <see cref="GaussianNoise"/> are compiled fully optimised at first use: under tiered compilation
/// they (and TensorPrimitives' generic operators) ran at tier 0 for the first few thousand steps, which
/// made a DP-SGD step 2–2.5× slower than later ones (measured on the digits MLP).
/// </remarks>
public sealed class DpSgd
{
    private readonly OrtTrainer _trainer;
    private readonly GaussianNoise _noise;
    private readonly SecureRandomBits _sampling;
    private readonly ParameterSet _sum;
    private readonly int[] _batch;
    private readonly NoiseDraw _draw;
    private readonly double _logOneMinusQ;

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
        _draw = new NoiseDraw(noise, new float[trainer.Gradients.Length]);
        _logOneMinusQ = Math.Log(1 - settings.SamplingRate);
    }

    /// <summary>
    /// Whether each step's noise is drawn on a thread-pool thread while ONNX Runtime runs (default); if no
    /// pool thread has picked it up by the time the gradients are ready, the caller draws it itself, so a
    /// busy pool or a single core costs nothing but the queueing.
    /// </summary>
    public bool DrawNoiseConcurrently { get; init; } = true;

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
        double stddev = Settings.NoiseMultiplier * Settings.ClipNorm;
        _draw.Begin(stddev, DrawNoiseConcurrently);
        double lossSum = 0;
        int chunk = _trainer.Options.MaxBatchSize;
        var gradients = _trainer.Gradients;
        try
        {
            if (n <= chunk && n > 0)
            {
                lossSum = (double)_trainer.ComputeGradients(data, _batch.AsSpan(0, n)) * n;
            }
            else
            {
                _sum.Clear();
                for (int start = 0; start < n; start += chunk)
                {
                    int size = Math.Min(chunk, n - start);
                    lossSum += (double)_trainer.ComputeGradients(data, _batch.AsSpan(start, size)) * size;
                    _sum.AddScaled(gradients, 1f);
                }

                _sum.AsSpan().CopyTo(gradients.AsSpan());
            }
        }
        finally
        {
            // never leave Step while a pool thread still uses the caller's noise generator
            _draw.End();
        }

        // g̃ = (Σᵢ clip(gᵢ) + N(0, σ²C²I)) / (q·n_local)
        AddThenScale(gradients.AsSpan(), _draw.Values, (float)(1.0 / (Settings.SamplingRate * data.Count)));
        _trainer.OptimizerStep(learningRate);
        return n == 0 ? float.NaN : (float)(lossSum / n);
    }

    /// <summary>
    /// Poisson sampling by geometric gaps: the gap to the next included index is
    /// ⌊ln U / ln(1−q)⌋ + 1, which selects each index independently with probability q in O(qn) draws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        int n = 0;
        long index = -1;
        while (true)
        {
            double u = 1.0 - _sampling.NextUnitInterval(); // (0, 1]
            index += (long)Math.Floor(Math.Log(u) / _logOneMinusQ) + 1;
            if (index >= count)
            {
                return n;
            }

            _batch[n++] = (int)index;
        }
    }

    /// <summary>gradients ← (gradients + noise)·scale, in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddThenScale(Span<float> gradients, ReadOnlySpan<float> noise, float scale)
    {
        var g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
        var z = MemoryMarshal.Cast<float, Vector<float>>(noise);
        for (int k = 0; k < g.Length; k++)
        {
            g[k] = (g[k] + z[k]) * scale;
        }

        for (int k = g.Length * Vector<float>.Count; k < gradients.Length; k++)
        {
            gradients[k] = (gradients[k] + noise[k]) * scale;
        }
    }

    /// <summary>
    /// One step's N(0, s²) noise vector, drawn either by a thread-pool thread that claims it or by the caller.
    /// State: Idle → Queued (Begin) → Running → Done (worker), or Queued → Idle (the caller claims it in End).
    /// Allocation-free: the work item is this object, queued again every step.
    /// </summary>
    private sealed class NoiseDraw(GaussianNoise noise, float[] values) : IThreadPoolWorkItem
    {
        private const int Idle = 0;
        private const int Queued = 1;
        private const int Running = 2;
        private const int Done = 3;
        private int _state;
        private double _stddev;
        private ExceptionDispatchInfo? _failure;

        public ReadOnlySpan<float> Values => values;

        public void Begin(double stddev, bool concurrently)
        {
            _stddev = stddev;
            Volatile.Write(ref _state, Queued);
            if (concurrently)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }

        public void End()
        {
            if (Interlocked.CompareExchange(ref _state, Idle, Queued) == Queued)
            {
                noise.Fill(values, _stddev); // no pool thread started it: draw it here
                return;
            }

            var wait = new SpinWait();
            while (Volatile.Read(ref _state) != Done)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }

            Volatile.Write(ref _state, Idle);
            var failure = _failure;
            _failure = null;
            failure?.Throw();
        }

        public void Execute()
        {
            // a stale item (the caller already drew this step's noise) finds the state not Queued and leaves
            if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued)
            {
                return;
            }

            try
            {
                noise.Fill(values, _stddev);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _failure = ExceptionDispatchInfo.Capture(ex);
            }
            finally
            {
                Volatile.Write(ref _state, Done);
            }
        }
    }
}
