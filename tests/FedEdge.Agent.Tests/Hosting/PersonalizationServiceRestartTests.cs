using FedEdge.Device.Personalization;

namespace FedEdge.Agent.Tests.Hosting;

/// <summary>The personal model and its validation split across a kill and restart; a damaged file at start.</summary>
public sealed class PersonalizationServiceRestartTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_service_killed_mid_run_comes_back_with_the_stored_personal_model_and_the_same_validation_split()
    {
        using var device = new PersonalizedDevice(PersonalizationMode.Head, PersonalizedDevice.ClosedPort());
        device.Install(device.SignedModel(1, seed: 11));

        byte[] stored;
        LocalSplit splitBefore;
        using (var first = device.Personalization())
        {
            first.Open();
            string account = await first.RunCycleAsync(Token);
            Assert.StartsWith("Trained", account, StringComparison.Ordinal);
            stored = File.ReadAllBytes(device.PersonalStore.CurrentPath);
            splitBefore = first.CurrentSplit();
            Assert.True(first.Personal!.LocalSteps > 0);

            // Second run, killed mid-way: the fake clock moves 100 ms per reading, so the
            // eligibility re-check (once per virtual second) reads the CPU every ~10 optimizer
            // steps; the third read during the run throws, so execution stops at that step and
            // nothing after it runs, as with SIGKILL (no graceful save).
            device.Time.Advance(TimeSpan.FromHours(2));
            int readsAtStart = device.Cpu.Reads;
            device.Cpu.OnRead = reads =>
            {
                if (reads >= readsAtStart + 3)
                {
                    throw new SimulatedKillException();
                }
            };
            device.Time.AutoAdvanceAmount = TimeSpan.FromMilliseconds(100);
            await Assert.ThrowsAsync<SimulatedKillException>(() => first.RunCycleAsync(Token));

            // no StopAsync: the process is gone
            device.Cpu.OnRead = null;
            device.Time.AutoAdvanceAmount = TimeSpan.Zero;
        }

        using var second = device.Personalization();
        second.Open();

        Assert.Equal(stored, PersonalModelStore.Serialize(second.PersonalSet!));
        var splitAfter = second.CurrentSplit();
        Assert.Equal(splitBefore.ValidationRows, splitAfter.ValidationRows);
        Assert.Equal(splitBefore.Validation.Features.ToArray(), splitAfter.Validation.Features.ToArray());
        Assert.Equal(splitBefore.Validation.Labels.ToArray(), splitAfter.Validation.Labels.ToArray());
        Assert.InRange(splitAfter.Validation.Count, 20, 200);
    }

    [Fact]
    public async Task A_damaged_personal_model_is_set_aside_and_a_fresh_one_is_created_from_the_global_model()
    {
        using var device = new PersonalizedDevice(PersonalizationMode.Ditto, PersonalizedDevice.ClosedPort());
        device.Install(device.SignedModel(1, seed: 11));
        Directory.CreateDirectory(device.ModelDirectory);
        File.WriteAllBytes(device.PersonalStore.CurrentPath, "FEDGEPRS but then garbage"u8.ToArray());
        device.Cpu.Busy = true; // no training: only the re-base on the global model

        using var service = device.Personalization();
        service.Open();
        Assert.Null(service.Personal);
        await service.RunCycleAsync(Token);

        Assert.True(File.Exists(device.PersonalStore.CurrentPath + ".corrupt"));
        var personal = device.PersonalStore.Load();
        Assert.NotNull(personal);
        Assert.Equal(1UL, personal.BaseVersion);
        Assert.Equal(0, personal.LocalSteps);
    }
}
