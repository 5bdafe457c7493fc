using System.Buffers.Binary;
using System.Security.Cryptography;
using FedEdge.Core.Privacy;
using FedEdge.Device.Privacy;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Privacy;

/// <summary>
/// Issue 19/6: the ledger's hash chain and its second record (privacy.spent) turn lost, changed or reordered records into
/// a refusal with a clear message instead of a smaller spend; a reset carries the spend forward and never gives budget back.
/// </summary>
public sealed class PrivacyLedgerTamperTests : IDisposable
{
    private static readonly SubsampledGaussian Run = new(0.02, 1.1, 500);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly RdpAccountant _accountant = new();
    private readonly PrivacyBudget _budget = new(50, 1e-5);

    private string LedgerPath => _dir.File("privacy.ledger");

    private string WitnessPath => _dir.File("privacy.spent");

    [Fact]
    public void The_second_record_sits_beside_the_ledger_and_follows_every_append()
    {
        using var ledger = Open();
        Assert.Equal(WitnessPath, ledger.WitnessPath);
        ledger.Reserve(MechanismKind.DpSgd, Run, 1);
        ledger.Reserve(MechanismKind.DpSgd, Run, 2);

        var witness = PrivacyLedgerWitness.TryRead(WitnessPath, out string? problem);

        Assert.Null(problem);
        Assert.Equal(2, witness!.Records);
        Assert.Equal(ledger.Spent().Epsilon, witness.EpsilonSpent, 12);
    }

    [Fact]
    public void A_deleted_ledger_is_refused_naming_the_reset_command()
    {
        double spent = Spend(3);
        File.Delete(LedgerPath);

        var ex = Refused();

        Assert.Contains("holds 0 intact records but its second record", ex.Message, StringComparison.Ordinal);
        Assert.Contains(PrivacyLedger.ResetCommand, ex.Message, StringComparison.Ordinal);
        AssertResetKeeps(spent);
    }

    [Fact]
    public void A_ledger_deleted_with_its_second_record_is_refused_on_a_device_that_has_run_before()
    {
        double spent = Spend(3);
        File.Delete(LedgerPath);
        File.Delete(WitnessPath);
        File.WriteAllText(_dir.File("outbox.db"), "x");

        var ex = Assert.Throws<PrivacyLedgerCorruptException>(() => Open(PrivacyLedger.OtherDeviceState(_dir.Path)));

        Assert.Contains("the device has run before (outbox.db)", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(LedgerPath));

        // nothing survived to say what was spent: the reset takes the whole budget as spent
        var reset = PrivacyLedger.Reset(LedgerPath, _budget, _accountant, _time);
        Assert.Equal("budget", reset.Source);
        using var after = Open();
        Assert.Equal(_budget.Epsilon, after.Spent().Epsilon);
        Assert.True(after.Spent().Epsilon >= spent);
        Assert.False(after.CanAfford(Run));
    }

    [Fact]
    public void A_missing_ledger_on_a_new_device_is_created_with_its_second_record()
    {
        using var ledger = Open(PrivacyLedger.OtherDeviceState(_dir.Path));

        Assert.Empty(ledger.Entries);
        Assert.Equal(0, PrivacyLedgerWitness.TryRead(WitnessPath, out _)!.Records);
    }

    [Theory]
    [InlineData(2 * PrivacyLedger.RecordSize)] // a record boundary: the last record gone
    [InlineData(2 * PrivacyLedger.RecordSize + 17)] // mid-record: the last record torn
    [InlineData(0)] // emptied
    public void A_truncated_ledger_is_refused(int length)
    {
        double spent = Spend(3);
        using (var file = new FileStream(LedgerPath, FileMode.Open))
        {
            file.SetLength(length);
        }

        var ex = Refused();

        Assert.Contains("its second record", ex.Message, StringComparison.Ordinal);
        Assert.Equal(length, new FileInfo(LedgerPath).Length); // refused before anything was cut
        AssertResetKeeps(spent);
    }

    [Fact]
    public void Two_swapped_records_are_refused()
    {
        double spent = Spend(3);
        byte[] bytes = File.ReadAllBytes(LedgerPath);
        byte[] first = bytes[..PrivacyLedger.RecordSize];
        bytes.AsSpan(PrivacyLedger.RecordSize, PrivacyLedger.RecordSize).CopyTo(bytes);
        first.CopyTo(bytes, PrivacyLedger.RecordSize);
        File.WriteAllBytes(LedgerPath, bytes);

        var ex = Refused();

        Assert.Contains("record 0", ex.Message, StringComparison.Ordinal);
        AssertResetKeeps(spent);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 17)]
    [InlineData(1, 30)]
    [InlineData(2, 9)] // the last record: no longer mistaken for a torn append
    [InlineData(2, 60)]
    public void A_flipped_bit_in_any_record_is_refused(int record, int offset)
    {
        double spent = Spend(3);
        Flip(LedgerPath, record * PrivacyLedger.RecordSize + offset);

        Refused();

        AssertResetKeeps(spent);
    }

    [Fact]
    public void A_deleted_second_record_is_refused()
    {
        double spent = Spend(2);
        File.Delete(WitnessPath);

        var ex = Refused();

        Assert.Contains("is missing while the ledger", ex.Message, StringComparison.Ordinal);
        AssertResetKeeps(spent);
    }

    [Fact]
    public void A_damaged_second_record_is_refused()
    {
        double spent = Spend(2);
        Flip(WitnessPath, 12);

        var ex = Refused();

        Assert.Contains("is damaged", ex.Message, StringComparison.Ordinal);
        AssertResetKeeps(spent);
    }

    [Fact]
    public void A_ledger_put_back_from_an_older_copy_alone_is_refused()
    {
        Spend(2);
        byte[] older = File.ReadAllBytes(LedgerPath);
        double spent = Spend(2, fresh: false);
        File.WriteAllBytes(LedgerPath, older);

        Refused();

        AssertResetKeeps(spent);
    }

    [Fact]
    public void An_older_second_record_alone_under_counts_nothing_the_ledger_is_ahead_and_is_trusted()
    {
        Spend(2);
        byte[] older = File.ReadAllBytes(WitnessPath);
        double spent = Spend(2, fresh: false);
        File.WriteAllBytes(WitnessPath, older);

        // the state a crash between the append and the witness update leaves: every record counts
        using var ledger = Open();
        Assert.Equal(4, ledger.Entries.Count);
        Assert.Equal(spent, ledger.Spent().Epsilon, 12);
        Assert.Equal(4, PrivacyLedgerWitness.TryRead(WitnessPath, out _)!.Records);
    }

    [Fact]
    public void Known_limit_both_files_put_back_together_from_an_older_copy_are_not_detected()
    {
        double older = Spend(2);
        byte[] ledgerCopy = File.ReadAllBytes(LedgerPath);
        byte[] witnessCopy = File.ReadAllBytes(WitnessPath);
        Spend(2, fresh: false);
        File.WriteAllBytes(LedgerPath, ledgerCopy);
        File.WriteAllBytes(WitnessPath, witnessCopy);

        // docs/security.md: a consistent older pair is indistinguishable here (no key, no monotonic counter off the card)
        using var ledger = Open();
        Assert.Equal(older, ledger.Spent().Epsilon, 12);
    }

    [Fact]
    public void A_damaged_record_after_the_one_the_second_record_names_is_a_torn_append()
    {
        double spent = Spend(2);
        using (var file = new FileStream(LedgerPath, FileMode.Append))
        {
            file.Write(new byte[PrivacyLedger.RecordSize]); // the file grew, the record's data never landed
        }

        using var ledger = Open();

        Assert.Equal(2, ledger.Entries.Count);
        Assert.Equal(PrivacyLedger.RecordSize, ledger.DiscardedTornBytes);
        Assert.Equal(spent, ledger.Spent().Epsilon, 12);
    }

    [Fact]
    public void A_reset_is_refused_while_the_agent_holds_the_ledger()
    {
        using var ledger = Open();

        var ex = Assert.Throws<IOException>(() => PrivacyLedger.Reset(LedgerPath, _budget, _accountant, _time));

        Assert.Contains("stop it first", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void After_a_reset_the_carried_spend_and_new_spends_add_up_and_the_old_files_are_kept()
    {
        double spent = Spend(3);
        File.Delete(WitnessPath);
        Refused();

        var reset = PrivacyLedger.Reset(LedgerPath, _budget, _accountant, _time);

        Assert.Equal("ledger", reset.Source);
        Assert.Equal(3, reset.PreviousRecords);
        Assert.Equal(spent, reset.CarriedEpsilon, 12);
        Assert.Single(reset.KeptFiles);
        Assert.True(File.Exists(reset.KeptFiles[0]));
        using var ledger = Open();
        var first = Assert.Single(ledger.Entries);
        Assert.Equal(MechanismKind.Reset, first.Kind);
        Assert.Equal(first, ledger.LastReset);
        ledger.Reserve(MechanismKind.DpSgd, Run, 9);
        double alone = _accountant.GetPrivacySpent([Run], _budget.Delta).Epsilon;
        Assert.Equal(spent + alone, ledger.Spent().Epsilon, 9);
    }

    [Fact]
    public void A_second_reset_carries_the_first_resets_spend_forward()
    {
        double spent = Spend(3);
        PrivacyLedger.Reset(LedgerPath, _budget, _accountant, _time);
        File.Delete(LedgerPath);

        var again = PrivacyLedger.Reset(LedgerPath, _budget, _accountant, _time);

        Assert.Equal("witness", again.Source);
        Assert.Equal(spent, again.CarriedEpsilon, 12);
    }

    [Fact]
    public void A_refused_ledger_affords_nothing_and_records_nothing()
    {
        using var refused = PrivacyLedger.Refused(LedgerPath, _budget, _accountant, _time, "test refusal");

        Assert.False(refused.CanAfford(Run));
        Assert.Equal(0, refused.RemainingEpsilon);
        Assert.Throws<PrivacyLedgerCorruptException>(() => refused.Reserve(MechanismKind.DpSgd, Run, 1));
    }

    [Fact]
    public void A_format_1_ledger_is_migrated_on_open_and_keeps_its_spend()
    {
        var entries = new[]
        {
            new LedgerEntry(0, MechanismKind.DpSgd, 0.02, 1.1, 500, 1, _time.GetUtcNow()),
            new LedgerEntry(1, MechanismKind.UserLevelGaussian, 1.0, 5.0, 1, 2, _time.GetUtcNow()),
        };
        File.WriteAllBytes(LedgerPath, [.. entries.SelectMany(Version1Record)]);
        File.WriteAllText(_dir.File("outbox.db"), "x");
        double expected = _accountant.GetPrivacySpent([Run, new SubsampledGaussian(1.0, 5.0, 1)], _budget.Delta).Epsilon;

        using (var migrated = Open(PrivacyLedger.OtherDeviceState(_dir.Path)))
        {
            Assert.Equal(LedgerPath + ".v1", migrated.MigratedFrom);
            Assert.Equal(entries, migrated.Entries);
            Assert.Equal(expected, migrated.Spent().Epsilon, 12);
            Assert.Equal(expected, PrivacyLedgerWitness.TryRead(WitnessPath, out _)!.EpsilonSpent, 12);
        }

        Assert.True(File.Exists(LedgerPath + ".v1"));
        using var reopened = Open();
        Assert.Null(reopened.MigratedFrom);
        Assert.Equal(expected, reopened.Spent().Epsilon, 12);
    }

    [Fact]
    public void A_read_only_open_applies_the_same_checks()
    {
        Spend(2);
        File.Delete(WitnessPath);

        Assert.Throws<PrivacyLedgerCorruptException>(() => PrivacyLedger.OpenReadOnly(LedgerPath, _budget, _accountant, _time));
        Assert.False(File.Exists(WitnessPath)); // and it changes nothing
    }

    public void Dispose() => _dir.Dispose();

    private PrivacyLedger Open(IReadOnlyList<string>? deviceState = null) => PrivacyLedger.Open(LedgerPath, _budget, _accountant, _time, deviceState);

    private PrivacyLedgerCorruptException Refused() => Assert.Throws<PrivacyLedgerCorruptException>(() => Open());

    /// <summary>Reserves <paramref name="count"/> runs (on a new ledger when <paramref name="fresh"/>) and returns the ε spent.</summary>
    private double Spend(int count, bool fresh = true)
    {
        if (fresh)
        {
            Assert.False(File.Exists(LedgerPath));
        }

        using var ledger = Open();
        for (int i = 0; i < count; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            ledger.Reserve(MechanismKind.DpSgd, Run, ledger.Entries.Count + 1);
        }

        return ledger.Spent().Epsilon;
    }

    /// <summary>The reset after a refusal never gives budget back: the new ledger starts at least at <paramref name="spent"/>.</summary>
    private void AssertResetKeeps(double spent)
    {
        var reset = PrivacyLedger.Reset(LedgerPath, _budget, _accountant, _time);
        using var ledger = Open();
        Assert.True(ledger.Spent().Epsilon >= spent - 1e-9, $"reset from the {reset.Source} carried {reset.CarriedEpsilon}, spent before {spent}");
    }

    private static void Flip(string path, int offset)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[offset] ^= 0x40;
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A format-1 record as the previous ledger wrote it (its checksum covers the record alone).</summary>
    private static byte[] Version1Record(LedgerEntry entry)
    {
        byte[] record = new byte[PrivacyLedger.RecordSize];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 0x3152_4C46);
        record[4] = (byte)entry.Kind;
        BinaryPrimitives.WriteDoubleLittleEndian(record.AsSpan(8), entry.SamplingRate);
        BinaryPrimitives.WriteDoubleLittleEndian(record.AsSpan(16), entry.NoiseMultiplier);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(24), entry.Steps);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(32), entry.ModelVersion);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(40), entry.Time.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(48), (ulong)entry.Sequence);
        SHA256.HashData(record.AsSpan(0, 56)).AsSpan(0, 8).CopyTo(record.AsSpan(56));
        return record;
    }
}
