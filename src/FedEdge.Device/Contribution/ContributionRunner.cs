using System.Globalization;
using System.Security.Cryptography;
using FedEdge.Device.Configuration;
using FedEdge.Device.Models;
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
/// With random check-ins (<see cref="RandomCheckIn"/>, q &lt; 1) the round was charged when it was offered, before the
/// coin: the runner only runs a round whose coin said yes, charges nothing more, and records the join (write-ahead,
/// where the reservation would be) for the spend against the aggregator. The update declares q as its sampling rate, so
/// the aggregator's own ledger composes the amplified cost of the rounds it received — a lower bound on what the device
/// was charged (it cannot see the offers declined), never above it, so an honest device is never refused.
/// </para>
/// <para>
/// FTTE subsets (arXiv 2510.03165): when the model assigns this device's memory class a subset S, the runner
/// trains only S — a <see cref="SubsetTrainer"/> over artifacts generated for S (every tensor a frozen graph
/// input, gradient and optimizer state for S's coordinates only), cached by S's fingerprint in
/// <see cref="LocalTrainers"/> — so Δ is zero outside S by construction, and sends S's coordinates with
/// <see cref="SparseSubsetCodec"/>. Δ is still restricted to S before clipping, so S bounds what is released
/// whatever trained it. With sample-level DP the device trains every tensor and restricts Δ: DP-SGD's
/// per-example norms come from ‖hᵢ‖·‖Gᵢ‖ over whole dense layers, which a sparse S does not have.
/// </para>
/// </remarks>
public sealed class ContributionRunner : IDisposable
{
    private readonly AgentOptions _options;
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
    private readonly RandomCheckIn? _checkIn;

    /// <summary>Creates a runner. Everything passed in is borrowed, not owned.</summary>
    /// <param name="options">The agent's options: identity, privacy, local training and codec (validated where they are bound); artifacts go under its state directory.</param>
    /// <param name="ledger">The device's privacy ledger.</param>
    /// <param name="outbox">Where finished updates wait for the broker.</param>
    /// <param name="noise">Gaussian noise from a cryptographic source.</param>
    /// <param name="ids">Source of the 16-byte random update ids.</param>
    /// <param name="shuffle">Shuffles local batches and drives stochastic quantisation (no privacy role).</param>
    /// <param name="time">Clock for timestamps.</param>
    /// <param name="trainers">Shared loaded trainers (borrowed); null = the runner keeps its own.</param>
    /// <param name="checkIn">The device's random check-in (borrowed) when q &lt; 1 with user-level DP; null = none.</param>
    public ContributionRunner(
        AgentOptions options,
        PrivacyLedger ledger,
        SqliteOutbox outbox,
        GaussianNoise noise,
        RandomNumberGenerator ids,
        Random shuffle,
        TimeProvider time,
        LocalTrainers? trainers = null,
        RandomCheckIn? checkIn = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(shuffle);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _ledger = ledger;
        _outbox = outbox;
        _dp = new UserLevelDp(options.Privacy.NoiseMultiplier, noise);
        _noise = noise;
        _ownsTrainers = trainers is null;
        _trainers = trainers ?? new LocalTrainers(Path.Combine(options.StateDirectory, "artifacts"), options.Training.Threads);
        _ids = ids;
        _shuffle = shuffle;
        _time = time;
        _codecs = UpdateCodecs.CreateStandard(shuffle, options.TopKFraction, packedBits: options.PackedBits);
        _mechanism = new SubsampledGaussian(1.0, options.Privacy.NoiseMultiplier, 1);
        _checkIn = checkIn is { Enabled: true } && options.Privacy.Mode is ContributionPrivacy.UserLevel or ContributionPrivacy.Distributed ? checkIn : null;
    }

    /// <summary>The mechanism one user-level contribution applies, as the ledger records it.</summary>
    public SubsampledGaussian Mechanism => _mechanism;

    /// <summary>
    /// Whether the ledger can afford one more contribution (for sample-level DP: one from the
    /// largest local set, the cheapest case; <see cref="RunAsync(InstalledModel, Dataset, Func{bool}, CancellationToken)"/> checks the exact cost).
    /// </summary>
    public bool CanAfford() => _options.Privacy.Mode switch
    {
        ContributionPrivacy.None => true,
        ContributionPrivacy.SampleLevel => _ledger.CanAfford(SampleLevelMechanism(_options.Training.MaxSamples)),
        _ => _ledger.CanAfford(_checkIn?.OfferMechanism ?? _mechanism),
    };

    /// <summary>
    /// The DP-SGD mechanism of one contribution from <paramref name="samples"/> local samples:
    /// Poisson rate q = batch/n and ⌈epochs/q⌉ steps, so each sample is expected in <c>Epochs</c> batches.
    /// </summary>
    public SubsampledGaussian SampleLevelMechanism(int samples)
    {
        int n = Math.Clamp(samples, 1, _options.Training.MaxSamples);
        double q = Math.Min(1.0, (double)_options.Training.BatchSize / n);
        return new SubsampledGaussian(q, _options.Privacy.NoiseMultiplier, (long)Math.Ceiling(_options.Training.Epochs / q));
    }

    /// <summary>
    /// Trains on <paramref name="samples"/> from <paramref name="model"/> (already verified) while
    /// <paramref name="stillEligible"/> holds — it is checked before every optimizer step — and
    /// enqueues the privatised update.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled (nothing spent when before the reservation).</exception>
    /// <exception cref="OutboxFullException">The outbox has no room; the spend stays reserved (conservative).</exception>
    public Task<ContributionResult> RunAsync(GlobalModel model, Dataset samples, Func<bool> stillEligible, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        return InstalledModel.TryDecode(model, _options.MemoryClass, _options.MemoryBudgetBytes, out var installed, out string problem)
            ? RunAsync(installed, samples, stillEligible, cancellationToken)
            : Task.FromResult(Result(ContributionOutcome.IncompatibleModel, problem));
    }

    /// <summary>Trains on <paramref name="samples"/> from the installed (already decoded) <paramref name="installed"/> model; see the other overload.</summary>
    public async Task<ContributionResult> RunAsync(InstalledModel installed, Dataset samples, Func<bool> stillEligible, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(installed);
        var model = installed.Message;
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(stillEligible);
        cancellationToken.ThrowIfCancellationRequested();

        var data = samples.Count > _options.Training.MaxSamples ? samples.Newest(_options.Training.MaxSamples) : samples;
        var planned = _options.Privacy.Mode == ContributionPrivacy.SampleLevel ? SampleLevelMechanism(data.Count) : _mechanism;
        if (_checkIn is not null && !_checkIn.Joined(model.Version))
        {
            throw new InvalidOperationException($"Model v{model.Version} was not joined by the check-in coin: the agent offers a round (RandomCheckIn.Offer) before a contribution.");
        }

        if (_options.Privacy.Mode != ContributionPrivacy.None && _checkIn is null && !_ledger.CanAfford(planned))
        {
            return Result(ContributionOutcome.BudgetExhausted, string.Create(
                CultureInfo.InvariantCulture,
                $"the ledger cannot afford another update (spent ε = {_ledger.Spent().Epsilon:G4} of {_ledger.Budget.Epsilon:G4})"));
        }

        if (samples.Count < _options.Training.MinSamples)
        {
            return Result(ContributionOutcome.NotEnoughSamples, $"{samples.Count} samples, at least {_options.Training.MinSamples} needed");
        }

        var architecture = installed.Architecture;
        var global = installed.Parameters;
        var subset = installed.Subset;
        if (architecture.Inputs != samples.FeatureCount || architecture.Classes < samples.ClassCount)
        {
            return Result(ContributionOutcome.IncompatibleModel, $"model {architecture} does not fit samples with {samples.FeatureCount} features and {samples.ClassCount} classes");
        }

        bool dpSgd = _options.Privacy.Mode == ContributionPrivacy.SampleLevel;
        ILocalTrainer trainer = subset is not null && !dpSgd
            ? _trainers.GetSubset(architecture, subset, _options.Training.BatchSize)
            : _trainers.Get(architecture, dpSgd, _options.Training.BatchSize);
        trainer.Parameters.CopyFrom(global);
        trainer.ResetOptimizer();

        long steps = 0;
        if (dpSgd)
        {
            var sgd = new DpSgd((OrtTrainer)trainer, new DpSgdSettings(planned.SamplingRate, _options.Privacy.NoiseMultiplier, (float)_options.Privacy.ClipNorm), _noise, new SecureRandomBits(_ids), data.Count);
            for (; steps < planned.Steps; steps++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!stillEligible())
                {
                    return Result(ContributionOutcome.Interrupted, $"no longer eligible after {steps} local steps", steps);
                }

                sgd.Step(data, _options.Training.LearningRate);
            }
        }

        int[] order = new int[data.Count];
        for (int epoch = 0; epoch < (dpSgd ? 0 : _options.Training.Epochs); epoch++)
        {
            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            _shuffle.Shuffle(order);
            for (int start = 0; start < order.Length; start += _options.Training.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!stillEligible())
                {
                    return Result(ContributionOutcome.Interrupted, $"no longer eligible after {steps} local steps", steps);
                }

                int count = Math.Min(_options.Training.BatchSize, order.Length - start);
                trainer.TrainStep(data, order.AsSpan(start, count), _options.Training.LearningRate);
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

        if (_checkIn is not null)
        {
            // paid by the offer; recorded before release for the aggregator's view
            _checkIn.RecordJoin(model.Version);
        }
        else if (_options.Privacy.Mode != ContributionPrivacy.None)
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

        if (_options.Privacy.Mode == ContributionPrivacy.Distributed)
        {
            // charged above; the participant clips to S, rounds and adds this device's share of the noise (on every
            // coordinate: an FTTE update is zero outside its subset, and the join names the subset)
            return new ContributionResult(
                ContributionOutcome.HandedToSecureAggregation,
                string.Create(CultureInfo.InvariantCulture, $"update for model v{model.Version} handed to secure aggregation: {steps} steps on {data.Count} samples"),
                ReadOnlyMemory<byte>.Empty,
                steps,
                delta.L2Norm(),
                _ledger.Spent().Epsilon,
                delta.AsSpan().ToArray(),
                subset is null ? ReadOnlyMemory<byte>.Empty : subset.ContentHash.ToArray());
        }

        double normBeforeClipping = _options.Privacy.Mode == ContributionPrivacy.UserLevel
            ? _dp.Privatize(delta, _options.Privacy.ClipNorm).NormBeforeClipping
            : delta.L2Norm();
        var codec = subset is null ? _codecs.Get(_options.Codec) : new SparseSubsetCodec(subset);
        byte[] payload = new byte[codec.MaxEncodedSize(architecture.Layout)];
        int written = codec.Encode(delta.AsSpan(), architecture.Layout, payload);

        byte[] updateId = new byte[SqliteOutbox.UpdateIdLength];
        _ids.GetBytes(updateId);
        var spent = _ledger.Spent();
        var update = new ModelUpdate
        {
            ProtocolMajor = ProtocolVersion.Major,
            UpdateId = ByteString.CopyFrom(updateId),
            DeviceId = _options.DeviceId,
            Fleet = _options.Fleet,
            BaseModelVersion = model.Version,
            SubsetId = subset is null ? ByteString.Empty : ByteString.CopyFrom(subset.ContentHash),
            Encoding = WireEncodings.ToWire(codec.Encoding),
            Payload = ByteString.CopyFrom(payload, 0, written),
            Dp = _options.Privacy.Mode == ContributionPrivacy.None
                ? new DpParameters { Mechanism = DpMechanism.None }
                : new DpParameters
                {
                    Mechanism = dpSgd ? DpMechanism.SampleLevelGaussian : DpMechanism.UserLevelGaussian,
                    NoiseMultiplier = _options.Privacy.NoiseMultiplier,
                    ClipNorm = _options.Privacy.ClipNorm,
                    SamplingRate = _checkIn?.Rate ?? planned.SamplingRate,
                    Steps = (ulong)planned.Steps,
                },
            PrivacySpent = new EpsilonDelta { Epsilon = spent.Epsilon, Delta = spent.Delta },
            SampleCount = (ulong)data.Count,
            CreatedAtUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        await _outbox.EnqueueAsync(updateId, TopicScheme.Updates(_options.Fleet, _options.DeviceId), update.ToByteArray(), cancellationToken).ConfigureAwait(false);
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

    private static void RestrictTo(ParameterSet delta, ParameterSubset subset)
    {
        float[] values = new float[subset.Count];
        subset.Gather(delta.AsSpan(), values);
        delta.Clear();
        subset.Scatter(values, delta.AsSpan());
    }
}
