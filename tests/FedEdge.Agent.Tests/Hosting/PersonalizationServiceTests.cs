using FedEdge.Device.Personalization;

namespace FedEdge.Agent.Tests.Hosting;

public sealed class PersonalizationServiceTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_global_model_that_does_not_fit_the_smart_home_samples_is_not_personalised_and_the_global_model_stays_served()
    {
        using var device = new PersonalizedDevice(PersonalizationMode.Head, PersonalizedDevice.ClosedPort());
        device.Install(device.SignedModel(1, seed: 11, architectureText: "mlp-64-32-10"));
        using var service = device.Personalization();
        service.Open();

        string account = await service.RunCycleAsync(Token);

        Assert.Contains("cannot be personalised", account, StringComparison.Ordinal);
        Assert.False(device.PersonalStore.Exists);
        Assert.Equal(ServedModel.Global, device.Served.Current.Served);
    }

    [Fact]
    public async Task Nothing_trains_while_the_device_is_busy_but_the_personal_model_is_based_on_the_installed_global_model()
    {
        using var device = new PersonalizedDevice(PersonalizationMode.Head, PersonalizedDevice.ClosedPort());
        device.Install(device.SignedModel(1, seed: 11));
        device.Cpu.Busy = true;
        using var service = device.Personalization();
        service.Open();

        string account = await service.RunCycleAsync(Token);

        Assert.StartsWith("not eligible", account, StringComparison.Ordinal);
        var stored = device.PersonalStore.Load();
        Assert.NotNull(stored);
        Assert.Equal(0, stored.LocalSteps);
        Assert.Equal(1UL, stored.BaseVersion);

        // identical models on the validation split: a tie goes to the global model
        Assert.Equal(ServedModel.Global, device.Served.Current.Served);
        Assert.Equal(device.Served.Current.Choice.GlobalAccuracy, device.Served.Current.Choice.PersonalAccuracy);
    }

    [Fact]
    public async Task The_hosted_loop_trains_and_stores_the_personal_model_on_its_own()
    {
        using var device = new PersonalizedDevice(PersonalizationMode.Head, PersonalizedDevice.ClosedPort());
        device.Install(device.SignedModel(1, seed: 11));
        using var service = device.Personalization();

        await service.StartAsync(Token);
        try
        {
            // the first cycle runs at start; wait (real time, bounded) for its save
            for (int i = 0; i < 500 && device.PersonalStore.Load() is not { LocalSteps: > 0 }; i++)
            {
                await Task.Delay(20, Token);
            }
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }

        var stored = device.PersonalStore.Load();
        Assert.NotNull(stored);
        Assert.True(stored.LocalSteps > 0);
        Assert.Equal(ServedModel.Personal, device.Served.Current.Served);
    }

    [Fact]
    public async Task Mode_none_starts_nothing_and_writes_nothing()
    {
        using var device = new PersonalizedDevice(PersonalizationMode.None, PersonalizedDevice.ClosedPort());
        device.Install(device.SignedModel(1, seed: 11));
        using var service = device.Personalization();

        await service.StartAsync(Token);
        await service.StopAsync(Token);

        Assert.False(service.Enabled);
        Assert.False(device.PersonalStore.Exists);
        Assert.False(Directory.Exists(Path.Combine(device.Options.StateDirectory, "artifacts")));
        Assert.Equal(0, device.Served.Current.Revision);
    }

    [Fact]
    public async Task A_newer_global_model_keeps_the_trained_head_byte_for_byte_until_the_next_run()
    {
        using var device = new PersonalizedDevice(PersonalizationMode.Head, PersonalizedDevice.ClosedPort());
        device.Install(device.SignedModel(1, seed: 11));
        using var service = device.Personalization();
        service.Open();
        await service.RunCycleAsync(Token);
        var trained = device.PersonalStore.Load()!;
        Assert.True(trained.LocalSteps > 0);

        device.Install(device.SignedModel(2, seed: 12));
        device.Cpu.Busy = true;
        await service.RunCycleAsync(Token);

        var rebased = device.PersonalStore.Load()!;
        Assert.Equal(2UL, rebased.BaseVersion);
        Assert.Equal(trained.LocalSteps, rebased.LocalSteps);
        Assert.Equal(trained.Parameters.AsSpan().ToArray(), rebased.Parameters.AsSpan().ToArray());
        Assert.Equal(2UL, device.Served.Current.GlobalVersion);
    }
}
