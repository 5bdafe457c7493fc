using System.Security.Cryptography;
using FedEdge.Core.Data;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
using FedEdge.Onnx.Privacy;
using FedEdge.Onnx.Tests.Support;
using FedEdge.Onnx.Training;

namespace FedEdge.Onnx.Tests.Privacy;

public sealed class DpSgdTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RandomNumberGenerator _rng = new SeededRandomNumberGenerator(2026);

    private static Dataset Data(int rows, int seed)
    {
        var random = new Random(seed);
        float[] x = Enumerable.Range(0, rows * 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int[] y = Enumerable.Range(0, rows).Select(_ => random.Next(3)).ToArray();
        return new Dataset(x, y, 6, 3);
    }

    private OrtTrainer Trainer(bool clipping, int maxBatch = 256)
    {
        string path = Path.Combine(_dir.Path, clipping ? "dp" : "plain");
        var arch = ModelArchitecture.Parse("mlp-6-5-3");
        TrainingArtifactGenerator.Generate(arch, TrainableSet.All, OptimizerSettings.Sgd(0f), path, arch.InitialParameters(new Random(4)), perExampleClipping: clipping);
        return OrtTrainer.Load(path, new TrainerOptions { MaxBatchSize = maxBatch });
    }

    [Fact]
    public void Without_noise_and_with_q_1_a_step_descends_along_the_mean_clipped_gradient()
    {
        var data = Data(40, 1);
        using var reference = Trainer(clipping: true);
        reference.ClipNorm = 0.3f;
        reference.ComputeGradients(data, Enumerable.Range(0, 40).ToArray());
        float[] expected = reference.Parameters.Buffer.ToArray();
        for (int k = 0; k < expected.Length; k++)
        {
            expected[k] -= 0.5f * reference.Gradients.Buffer[k] / 40f;
        }

        // chunks of 16 rows: the clipped sums of the chunks must add up to the whole batch's
        using var trainer = Trainer(clipping: true, maxBatch: 16);
        using var noise = new GaussianNoise(_rng);
        var dp = new DpSgd(trainer, new DpSgdSettings(1.0, 0.0, 0.3f), noise, new SecureRandomBits(_rng), 40);
        dp.Step(data, 0.5f);
        Assert.Equal(40, dp.LastBatchSize);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k], trainer.Parameters.Buffer[k], 1e-5);
        }
    }

    [Fact]
    public void The_noise_added_to_the_clipped_sum_has_standard_deviation_sigma_times_c()
    {
        // σ = 2, C = 0.5: noise per coordinate ~ N(0, 1). 8 steps × 53 coordinates = 424 draws;
        // the sample standard deviation has relative standard error ≈ 1/√(2·424) ≈ 3.4%; bound 5 SE = 17%.
        var data = Data(30, 2);
        int[] all = Enumerable.Range(0, 30).ToArray();
        using var reference = Trainer(clipping: true);
        reference.ClipNorm = 0.5f;
        reference.ComputeGradients(data, all);
        float[] clippedSum = reference.Gradients.Buffer.ToArray();

        using var trainer = Trainer(clipping: true);
        using var noise = new GaussianNoise(_rng);
        var dp = new DpSgd(trainer, new DpSgdSettings(1.0, 2.0, 0.5f), noise, new SecureRandomBits(_rng), 30);
        var draws = new List<double>();
        for (int step = 0; step < 8; step++)
        {
            dp.Step(data, 0f); // learning rate 0 keeps the parameters, so every step sees the same clipped sum
            for (int k = 0; k < clippedSum.Length; k++)
            {
                draws.Add((trainer.Gradients.Buffer[k] * 30.0) - clippedSum[k]);
            }
        }

        double mean = draws.Average();
        double std = Math.Sqrt(draws.Sum(d => (d - mean) * (d - mean)) / (draws.Count - 1));
        Assert.InRange(std, 1.0 * 0.83, 1.0 * 1.17);
        Assert.InRange(mean, -5 / Math.Sqrt(draws.Count), 5 / Math.Sqrt(draws.Count));
    }

    [Fact]
    public void Poisson_sampling_includes_each_sample_independently_with_rate_q()
    {
        // q = 0.1, n = 500: batch size ~ Binomial(500, 0.1), mean 50, sd √45 ≈ 6.7; over 400 steps the
        // mean batch size has SE 0.34 (bound 5 SE = 1.7); each index's inclusion count ~ Binomial(400, 0.1).
        var data = Data(500, 3);
        using var trainer = Trainer(clipping: true);
        using var noise = new GaussianNoise(_rng);
        var dp = new DpSgd(trainer, new DpSgdSettings(0.1, 1.0, 1f), noise, new SecureRandomBits(_rng), 500);
        double total = 0;
        for (int step = 0; step < 400; step++)
        {
            dp.Step(data, 0f);
            total += dp.LastBatchSize;
        }

        Assert.InRange(total / 400, 50 - 1.7, 50 + 1.7);
    }

    [Fact]
    public void Dp_sgd_refuses_a_trainer_whose_graph_does_not_clip_per_example()
    {
        using var trainer = Trainer(clipping: false);
        using var noise = new GaussianNoise(_rng);
        var ex = Assert.Throws<ArgumentException>(() => new DpSgd(trainer, new DpSgdSettings(0.1, 1.0, 1f), noise, new SecureRandomBits(_rng), 10));
        Assert.Contains("per-example", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Noise_drawn_on_a_pool_thread_gives_bit_for_bit_the_steps_of_noise_drawn_inline()
    {
        // Same seed for both: the batch is sampled before the noise is handed to another thread, so the
        // random stream is consumed in the same order and the parameters must agree exactly.
        var data = Data(200, 5);
        var results = new List<float[]>();
        foreach (bool concurrently in new[] { true, false })
        {
            using var rng = new SeededRandomNumberGenerator(31);
            using var trainer = Trainer(clipping: true, maxBatch: 32);
            using var noise = new GaussianNoise(rng);
            var dp = new DpSgd(trainer, new DpSgdSettings(0.2, 1.3, 0.8f), noise, new SecureRandomBits(rng), 200) { DrawNoiseConcurrently = concurrently };
            for (int step = 0; step < 25; step++)
            {
                dp.Step(data, 0.1f); // batches of ~40 rows: chunks of 32 are exercised too
            }

            results.Add(trainer.Parameters.Buffer.ToArray());
        }

        Assert.Equal(results[1], results[0]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_dp_sgd_step_allocates_no_managed_memory_on_the_calling_thread_after_warm_up(bool concurrently)
    {
        // q = 1 keeps the batch size fixed: the trainer binds each batch size once, on first use
        var data = Data(100, 6);
        using var rng = new SeededRandomNumberGenerator(32);
        using var trainer = Trainer(clipping: true);
        using var noise = new GaussianNoise(rng);
        var dp = new DpSgd(trainer, new DpSgdSettings(1.0, 1.0, 1f), noise, new SecureRandomBits(rng), 100) { DrawNoiseConcurrently = concurrently };
        // a long warm-up: dynamic PGO re-JITs some of the loop's methods after ~1,700 steps and that
        // allocates once on this thread (measured: gone with DOTNET_TieredPGO=0); with concurrent noise the
        // thread pool may also start a worker here
        for (int i = 0; i < 3000; i++)
        {
            dp.Step(data, 0.01f);
        }

        // Under load a background re-JIT or a thread-pool start can still land in a window once (seen: 8,448 bytes in
        // one window of 1,000 steps while two simulations shared the 2 cores). An allocation per step would show in
        // every window (≥ 1,000 bytes each), so one window of 1,000 steps at 0 bytes among five shows there is none.
        var windows = new List<long>();
        while (windows.Count < 5 && !windows.Contains(0))
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
            {
                dp.Step(data, 0.01f);
            }

            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(windows.Contains(0), $"every window of 1,000 steps allocated: {string.Join(", ", windows)} bytes");
    }

    public void Dispose()
    {
        _rng.Dispose();
        _dir.Dispose();
    }
}
