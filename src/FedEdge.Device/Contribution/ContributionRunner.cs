using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Device.Privacy;
using FedEdge.Core.Codecs;
using FedEdge.Core.Data;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Core.Privacy;
using FedEdge.Onnx.Privacy;
using FedEdge.Onnx.Training;
using FedEdge.Protocol.Outbox;
using FedEdge.Protocol.Topics;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Device.Contribution;

/// <summary>
/// One device contribution (DESIGN.md §2): local training from a verified global model, update
/// Δ = local − global, user-level DP (DP-FedAvg, McMahan et al. 2018, Alg. 1: clip to S, add
/// N(0, z²S²)), encoding, and a durable entry in the outbox. No hosting, no transport: the agent
/// service and the simulator both drive it. Not thread-safe: one runner per device.
/// </summary>
/// <remarks>
/// <para>
/// Privacy order: the ledger is asked whether it can afford one user-level Gaussian release
/// (q = 1, σ = z, one step) before any training; the spend is reserved (write-ahead, fsynced) only
/// once training finished and before the update is privatised, so an interrupted or diverged run
/// costs nothing and a crash after the reservation over-counts rather than under-counts.
/// </para>
/// <para>
/// With <see cref="ContributionPrivacy.SampleLevel"/> local training is DP-SGD instead (Abadi et al.
/// 2016): the ledger is charged the Poisson-subsampled Gaussian over all local steps and Δ is
/// released without further noise; with <see cref="ContributionPrivacy.None"/> nothing is clipped,
/// noised or charged.
/// </para>
/// <para>
/// FTTE subsets: the runner trains every tensor and sends only the assigned coordinates with
/// <see cref="SparseSubsetCodec"/>; Δ is restricted to the subset before clipping, so S bounds what
/// is actually released. Training only the subset would save memory on the smallest boards; that
/// needs index-level trainable masks in the generated graphs and is left for later.
/// </para>
/// </remarks>
public sealed class ContributionRunner : IDisposable
{
    private readonly ContributionSettings _settings;
    private readonly PrivacyLedger _ledger;
    private readonly SqliteOutbox _outbox;
    private readonly UserLevelDp _dp;
    private readonly RandomNumberGenerator _ids;
    private readonly Random _shuffle;
    private readonly UpdateCodecs _codecs;
    private readonly TimeProvider _time;
    private readonly SubsampledGaussian _mechanism;
    private readonly GaussianNoise _noise;
    private readonly LocalTrainers _trainers;
    private readonly bool _ownsTrainers;

    /// <summary>Creates a runner. Everything passed in is borrowed, not owned.</summary>
    /// <param name="settings">Identity, DP, training and codec settings (validated here).</param>
    /// <param name="ledger">The device's privacy ledger.</param>
    /// <param name="outbox">Where finished updates wait for the broker.</param>
    /// <param name="noise">Gaussian noise from a cryptographic source.</param>
    /// <param name="ids">Source of the 16-byte random update ids.</param>
    /// <param name="shuffle">Shuffles local batches and drives stochastic quantisation (no privacy role).</param>
    /// <param name="time">Clock for timestamps.</param>
    /// <param name="trainers">Shared loaded trainers (borrowed); null = the runner keeps its own.</param>
    public ContributionRunner(
        ContributionSettings settings,
        PrivacyLedger ledger,
        SqliteOutbox outbox,
        GaussianNoise noise,
        RandomNumberGenerator ids,
        Random shuffle,
        TimeProvider time,
        LocalTrainers? trainers = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(shuffle);
        ArgumentNullException.ThrowIfNull(time);
        settings.Validate();
        _settings = settings;
        _ledger = ledger;
        _outbox = outbox;
        _dp = new UserLevelDp(settings.NoiseMultiplier, noise);
        _noise = noise;
        _ownsTrainers = trainers is null;
        _trainers = trainers ?? new LocalTrainers(settings.ArtifactsDirectory, settings.Threads);
        _ids = ids;
        _shuffle = shuffle;
        _time = time;
        _codecs = UpdateCodecs.CreateStandard(shuffle, settings.TopKFraction);
        _mechanism = new SubsampledGaussian(1.0, settings.NoiseMultiplier, 1);
    }

    /// <summary>The mechanism one user-level contribution applies, as the ledger records it.</summary>
    public SubsampledGaussian Mechanism => _mechanism;

    /// <summary>
    /// Whether the ledger can afford one more contribution (for sample-level DP: one from the
    /// largest local set, the cheapest case; <see cref="RunAsync"/> checks the exact cost).
    /// </summary>
    public bool CanAfford() => _settings.Privacy switch
    {
        ContributionPrivacy.None => true,
        ContributionPrivacy.SampleLevel => _ledger.CanAfford(SampleLevelMechanism(_settings.MaxSamples)),
        _ => _ledger.CanAfford(_mechanism),
    };

    /// <summary>
    /// The DP-SGD mechanism of one contribution from <paramref name="samples"/> local samples:
    /// Poisson rate q = batch/n and ⌈epochs/q⌉ steps, so each sample is expected in <c>Epochs</c> batches.
    /// </summary>
    public SubsampledGaussian SampleLevelMechanism(int samples)
    {
        int n = Math.Clamp(samples, 1, _settings.MaxSamples);
        double q = Math.Min(1.0, (double)_settings.BatchSize / n);
        return new SubsampledGaussian(q, _settings.NoiseMultiplier, (long)Math.Ceiling(_settings.Epochs / q));
    }

    /// <summary>
    /// Trains on <paramref name="samples"/> from <paramref name="model"/> (already verified) while
    /// <paramref name="stillEligible"/> holds — it is checked before every optimizer step — and
    /// enqueues the privatised update.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled (nothing spent when before the reservation).</exception>
    /// <exception cref="OutboxFullException">The outbox has no room; the spend stays reserved (conservative).</exception>
    public async Task<ContributionResult> RunAsync(GlobalModel model, Dataset samples, Func<bool> stillEligible, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(stillEligible);
        cancellationToken.ThrowIfCancellationRequested();

        var data = samples.Count > _settings.MaxSamples ? samples.Newest(_settings.MaxSamples) : samples;
        var planned = _settings.Privacy == ContributionPrivacy.SampleLevel ? SampleLevelMechanism(data.Count) : _mechanism;
        if (_settings.Privacy != ContributionPrivacy.None && !_ledger.CanAfford(planned))
        {
            return Result(ContributionOutcome.BudgetExhausted, string.Create(
                CultureInfo.InvariantCulture,
                $"the ledger cannot afford another update (spent ε = {_ledger.Spent().Epsilon:G4} of {_ledger.Budget.Epsilon:G4})"));
        }

        if (samples.Count < _settings.MinSamples)
        {
            return Result(ContributionOutcome.NotEnoughSamples, $"{samples.Count} samples, at least {_settings.MinSamples} needed");
        }

        if (!TryPrepare(model, samples, out var architecture, out var global, out var subset, out string? problem))
        {
            return Result(ContributionOutcome.IncompatibleModel, problem);
        }

        bool dpSgd = _settings.Privacy == ContributionPrivacy.SampleLevel;
        var trainer = _trainers.Get(architecture, dpSgd, _settings.BatchSize);
        trainer.Parameters.CopyFrom(global);
        trainer.Checkpoint.OptimizerState.Clear();
        trainer.Checkpoint.Step = 0;

        long steps = 0;
        if (dpSgd)
        {
            var sgd = new DpSgd(trainer, new DpSgdSettings(planned.SamplingRate, _settings.NoiseMultiplier, (float)_settings.ClipNorm), _noise, new SecureRandomBits(_ids), data.Count);
            for (; steps < planned.Steps; steps++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!stillEligible())
                {
                    return Result(ContributionOutcome.Interrupted, $"no longer eligible after {steps} local steps", steps);
                }

                sgd.Step(data, _settings.LearningRate);
            }
        }

        int[] order = new int[data.Count];
        for (int epoch = 0; epoch < (dpSgd ? 0 : _settings.Epochs); epoch++)
        {
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            _shuffle.Shuffle(order);
            for (int start = 0; start < order.Length; start += _settings.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!stillEligible())
                {
                    return Result(ContributionOutcome.Interrupted, $"no longer eligible after {steps} local steps", steps);
                }

                int count = Math.Min(_settings.BatchSize, order.Length - start);
                trainer.TrainStep(data, order.AsSpan(start, count), _settings.LearningRate);
                steps++;
            }
        }

        var delta = new ParameterSet(architecture.Layout);
        delta.SetDifference(trainer.Parameters, global);
        if (subset is not null)
        {
            RestrictTo(delta, subset);
        }

        if (!delta.AllFinite())
        {
            return Result(ContributionOutcome.Diverged, $"local training diverged after {steps} steps (non-finite parameters)", steps);
        }

        if (_settings.Privacy != ContributionPrivacy.None)
        {
            try
            {
                _ledger.Reserve(dpSgd ? MechanismKind.DpSgd : MechanismKind.UserLevelGaussian, planned, (long)model.Version);
            }
            catch (PrivacyBudgetExceededException ex)
            {
                return Result(ContributionOutcome.BudgetExhausted, ex.Message, steps);
            }
        }

        double normBeforeClipping = _settings.Privacy == ContributionPrivacy.UserLevel
            ? _dp.Privatize(delta, _settings.ClipNorm).NormBeforeClipping
            : delta.L2Norm();
        var codec = subset is null ? _codecs.Get(_settings.Codec) : new SparseSubsetCodec(subset);
        byte[] payload = new byte[codec.MaxEncodedSize(architecture.Layout)];
        int written = codec.Encode(delta.AsSpan(), architecture.Layout, payload);

        byte[] updateId = new byte[SqliteOutbox.UpdateIdLength];
        _ids.GetBytes(updateId);
        var spent = _ledger.Spent();
        var update = new ModelUpdate
        {
            ProtocolMajor = ProtocolVersion.Major,
            UpdateId = ByteString.CopyFrom(updateId),
            DeviceId = _settings.DeviceId,
            Fleet = _settings.Fleet,
            BaseModelVersion = model.Version,
            SubsetId = subset is null ? ByteString.Empty : ByteString.CopyFrom(subset.ContentHash),
            Encoding = WireEncodings.ToWire(codec.Encoding),
            Payload = ByteString.CopyFrom(payload, 0, written),
            Dp = _settings.Privacy == ContributionPrivacy.None
                ? new DpParameters { Mechanism = DpMechanism.None }
                : new DpParameters
                {
                    Mechanism = dpSgd ? DpMechanism.SampleLevelGaussian : DpMechanism.UserLevelGaussian,
                    NoiseMultiplier = _settings.NoiseMultiplier,
                    ClipNorm = _settings.ClipNorm,
                    SamplingRate = planned.SamplingRate,
                    Steps = (ulong)planned.Steps,
                },
            PrivacySpent = new EpsilonDelta { Epsilon = spent.Epsilon, Delta = spent.Delta },
            SampleCount = (ulong)data.Count,
            CreatedAtUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        await _outbox.EnqueueAsync(updateId, TopicScheme.Updates(_settings.Fleet, _settings.DeviceId), update.ToByteArray(), cancellationToken).ConfigureAwait(false);
        return new ContributionResult(
            ContributionOutcome.Enqueued,
            string.Create(CultureInfo.InvariantCulture, $"update {Convert.ToHexStringLower(updateId)} for model v{model.Version}: {steps} steps on {data.Count} samples, {written} bytes {codec.Encoding}"),
            updateId,
            steps,
            normBeforeClipping,
            spent.Epsilon);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsTrainers)
        {
            _trainers.Dispose();
        }
    }

    private ContributionResult Result(ContributionOutcome outcome, string message, long steps = 0) =>
        new(outcome, message, ReadOnlyMemory<byte>.Empty, steps, 0, _ledger.Spent().Epsilon);

    private bool TryPrepare(
        GlobalModel model,
        Dataset samples,
        out ModelArchitecture architecture,
        out ParameterSet global,
        out ParameterSubset? subset,
        out string problem)
    {
        architecture = null!;
        global = null!;
        subset = null;
        try
        {
            architecture = ModelArchitecture.Parse(model.Architecture);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            problem = $"architecture '{model.Architecture}' does not parse: {ex.Message}";
            return false;
        }

        if (architecture.Inputs != samples.FeatureCount || architecture.Classes < samples.ClassCount)
        {
            problem = $"model {architecture} does not fit samples with {samples.FeatureCount} features and {samples.ClassCount} classes";
            return false;
        }

        global = new ParameterSet(architecture.Layout);
        var decoded = _codecs.TryDecode(model.Parameters.Span, architecture.Layout, global.AsSpan());
        if (!decoded.Succeeded)
        {
            problem = $"global parameters do not decode: {decoded.Message}";
            return false;
        }

        var assignment = model.Subsets.FirstOrDefault(s => s.MemoryClass == _settings.MemoryClass)
            ?? model.Subsets.FirstOrDefault(s => s.MemoryClass == "all");
        if (assignment is not null && !SubsetIndexCoding.IsAll(assignment))
        {
            if (!SubsetIndexCoding.TryToSubset(assignment, architecture.Layout.TotalLength, out subset, out string? error))
            {
                problem = $"subset for '{assignment.MemoryClass}' is invalid: {error}";
                return false;
            }
        }

        problem = string.Empty;
        return true;
    }

    private static void RestrictTo(ParameterSet delta, ParameterSubset subset)
    {
        float[] values = new float[subset.Count];
        subset.Gather(delta.AsSpan(), values);
        delta.Clear();
        subset.Scatter(values, delta.AsSpan());
    }
}
