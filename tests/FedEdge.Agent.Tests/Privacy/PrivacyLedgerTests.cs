using FedEdge.Device.Privacy;
using FedEdge.Core.Privacy;
using Microsoft.Extensions.Time.Testing;

namespace FedEdge.Agent.Tests.Privacy;

public sealed class PrivacyLedgerTests : IDisposable
{
    private static readonly SubsampledGaussian Run = new(0.02, 1.1, 500);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly RdpAccountant _accountant = new();

    private string LedgerPath => _dir.File("privacy.ledger");

    private PrivacyLedger Open(double epsilon = 5) => PrivacyLedger.Open(LedgerPath, new PrivacyBudget(epsilon, 1e-5), _accountant, _time);

    [Fact]
    public void A_new_ledger_has_spent_nothing()
    {
        using var ledger = Open();
        Assert.Equal(0, ledger.Spent().Epsilon);
        Assert.Equal(5, ledger.RemainingEpsilon);
    }

    [Fact]
    public void Spent_composes_every_recorded_mechanism_like_the_accountant_does()
    {
        using var ledger = Open(epsilon: 50);
        var user = new SubsampledGaussian(1.0, 5.0, 1);
        ledger.Reserve(MechanismKind.DpSgd, Run, 1);
        ledger.Reserve(MechanismKind.UserLevelGaussian, user, 2);
        ledger.Reserve(MechanismKind.DpSgd, Run, 3);
        double expected = _accountant.GetPrivacySpent([Run, user, Run], 1e-5).Epsilon;
        Assert.Equal(expected, ledger.Spent().Epsilon, 12);
    }

    [Fact]
    public void Entries_and_spend_survive_closing_and_reopening()
    {
        double spent;
        using (var ledger = Open())
        {
            ledger.Reserve(MechanismKind.DpSgd, Run, 7);
            _time.Advance(TimeSpan.FromHours(1));
            ledger.Reserve(MechanismKind.DpSgd, Run, 8);
            spent = ledger.Spent().Epsilon;
        }

        using var reopened = Open();
        Assert.Equal(2, reopened.Entries.Count);
        Assert.Equal(new LedgerEntry(1, MechanismKind.DpSgd, 0.02, 1.1, 500, 8, _time.GetUtcNow()), reopened.Entries[1]);
        Assert.Equal(spent, reopened.Spent().Epsilon, 12);
    }

    [Fact]
    public void A_run_that_would_exceed_the_budget_is_refused_and_nothing_is_recorded()
    {
        using var ledger = Open(epsilon: 1.0);
        var big = new SubsampledGaussian(0.1, 0.8, 2000);
        long length = new FileInfo(LedgerPath).Length;
        var ex = Assert.Throws<PrivacyBudgetExceededException>(() => ledger.Reserve(MechanismKind.DpSgd, big, 1));
        Assert.True(ex.PlannedEpsilon > 1.0);
        Assert.Equal(1.0, ex.BudgetEpsilon);
        Assert.Contains("above the budget", ex.Message, StringComparison.Ordinal);
        Assert.Empty(ledger.Entries);
        Assert.Equal(length, new FileInfo(LedgerPath).Length);
    }

    [Fact]
    public void Runs_are_accepted_until_the_next_one_would_cross_the_budget()
    {
        // one run of q = 0.02, σ = 1.1, 20 steps spends ε ≈ 0.8 alone; a budget of 4 takes several but not unboundedly many
        var small = new SubsampledGaussian(0.02, 1.1, 20);
        using var ledger = Open(epsilon: 4.0);
        int accepted = 0;
        while (ledger.CanAfford(small) && accepted < 1000)
        {
            ledger.Reserve(MechanismKind.DpSgd, small, accepted++);
        }

        Assert.InRange(accepted, 2, 999);
        Assert.True(ledger.Spent().Epsilon <= 4.0);
        Assert.Throws<PrivacyBudgetExceededException>(() => ledger.Reserve(MechanismKind.DpSgd, small, accepted));
    }

    [Fact]
    public void A_torn_final_record_is_discarded_on_open()
    {
        using (var ledger = Open())
        {
            ledger.Reserve(MechanismKind.DpSgd, Run, 1);
            ledger.Reserve(MechanismKind.DpSgd, Run, 2);
        }

        using (var file = new FileStream(LedgerPath, FileMode.Append))
        {
            file.Write(new byte[30]);
        }

        using var reopened = Open();
        Assert.Equal(2, reopened.Entries.Count);
        Assert.Equal(30, reopened.DiscardedTornBytes);
        Assert.Equal(2 * PrivacyLedger.RecordSize, new FileInfo(LedgerPath).Length);
    }

    [Fact]
    public void A_damaged_last_record_that_the_second_record_counts_is_refused_not_cut_off_as_torn()
    {
        using (var ledger = Open())
        {
            ledger.Reserve(MechanismKind.DpSgd, Run, 1);
            ledger.Reserve(MechanismKind.DpSgd, Run, 2);
        }

        // format 1 took this for a torn append and forgot the spend; the witness says the record was completed
        Flip(PrivacyLedger.RecordSize + 20);
        var ex = Assert.Throws<PrivacyLedgerCorruptException>(() => Open());
        Assert.Contains("holds 1 intact records but its second record", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damage_before_the_last_record_refuses_to_open_rather_than_under_count()
    {
        using (var ledger = Open())
        {
            ledger.Reserve(MechanismKind.DpSgd, Run, 1);
            ledger.Reserve(MechanismKind.DpSgd, Run, 2);
        }

        Flip(10);
        var ex = Assert.Throws<PrivacyLedgerCorruptException>(() => Open());
        Assert.Contains("record 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_open_of_the_same_ledger_is_refused_while_the_first_holds_it()
    {
        using var ledger = Open();
        Assert.ThrowsAny<IOException>(() => Open());
    }

    [Fact]
    public void An_invalid_budget_is_rejected_naming_the_values()
    {
        var ex = Assert.Throws<ArgumentException>(() => PrivacyLedger.Open(LedgerPath, new PrivacyBudget(-1, 2), _accountant, _time));
        Assert.Contains("Epsilon", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Delta", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private void Flip(int offset)
    {
        byte[] bytes = File.ReadAllBytes(LedgerPath);
        bytes[offset] ^= 0x40;
        File.WriteAllBytes(LedgerPath, bytes);
    }

    [Fact]
    public void A_read_only_ledger_reads_the_spend_while_the_agent_holds_the_ledger_open()
    {
        using var ledger = Open();
        ledger.Reserve(MechanismKind.DpSgd, Run, 3);

        using var inspected = PrivacyLedger.OpenReadOnly(LedgerPath, new PrivacyBudget(5, 1e-5), _accountant, _time);

        Assert.True(inspected.IsReadOnly);
        Assert.Equal(ledger.Spent().Epsilon, inspected.Spent().Epsilon, 12);
        Assert.Equal(ledger.Entries, inspected.Entries);

        // the agent is not disturbed: it keeps appending
        ledger.Reserve(MechanismKind.DpSgd, Run, 4);
        Assert.Equal(2, ledger.Entries.Count);
    }

    [Fact]
    public void A_read_only_ledger_refuses_to_record_a_spend()
    {
        using (var ledger = Open())
        {
            ledger.Reserve(MechanismKind.DpSgd, Run, 3);
        }

        using var inspected = PrivacyLedger.OpenReadOnly(LedgerPath, new PrivacyBudget(5, 1e-5), _accountant, _time);

        Assert.Throws<InvalidOperationException>(() => inspected.Reserve(MechanismKind.DpSgd, Run, 4));
        Assert.Equal(PrivacyLedger.RecordSize, new FileInfo(LedgerPath).Length);
    }

    [Fact]
    public void A_read_only_ledger_skips_a_torn_last_record_and_leaves_the_file_as_it_is()
    {
        using (var ledger = Open())
        {
            ledger.Reserve(MechanismKind.DpSgd, Run, 3);
        }

        using (var file = new FileStream(LedgerPath, FileMode.Append))
        {
            file.Write(new byte[17]); // an append in progress
        }

        using var inspected = PrivacyLedger.OpenReadOnly(LedgerPath, new PrivacyBudget(5, 1e-5), _accountant, _time);

        Assert.Single(inspected.Entries);
        Assert.Equal(PrivacyLedger.RecordSize + 17, new FileInfo(LedgerPath).Length);
    }

    [Fact]
    public void A_read_only_open_of_a_missing_ledger_throws_and_creates_nothing()
    {
        Assert.Throws<FileNotFoundException>(() => PrivacyLedger.OpenReadOnly(LedgerPath, new PrivacyBudget(5, 1e-5), _accountant, _time));
        Assert.False(File.Exists(LedgerPath));
    }
}
