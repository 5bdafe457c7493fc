using FedEdge.Device.Personalization;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedEdge.Agent.Tests.Personalization;

public class PersonalModelStoreTests : IClassFixture<NonIidDigits>
{
    private static readonly ModelArchitecture Architecture = ModelArchitecture.Parse("mlp-8-6-4");
    private readonly NonIidDigits _digits;

    public PersonalModelStoreTests(NonIidDigits digits)
    {
        _digits = digits;
    }

    [Fact]
    public void A_loaded_personal_model_has_the_saved_mode_architecture_version_steps_and_bits()
    {
        using var dir = new TempDirectory();
        var model = RandomModel(PersonalizationMode.Ditto, 12, 77, seed: 1);
        new PersonalModelStore(dir.Path).Save(model);

        var loaded = new PersonalModelStore(dir.Path).Load();

        Assert.NotNull(loaded);
        Assert.Equal(PersonalizationMode.Ditto, loaded.Mode);
        Assert.Equal(Architecture, loaded.Architecture);
        Assert.Equal(12UL, loaded.BaseVersion);
        Assert.Equal(77, loaded.LocalSteps);
        Assert.Equal(Bits(model.Parameters), Bits(loaded.Parameters));
    }

    [Fact]
    public void Personal_parameters_trained_before_a_restart_are_byte_for_byte_those_after_it()
    {
        string modelDirectory = _digits.NewDirectory("model");
        byte[] stored;
        double accuracyBefore;
        using (var personalizer = new Personalizer(_digits.Options(PersonalizationMode.Head), new Random(3), NullLogger.Instance))
        {
            var personal = personalizer.Rebase(null, _digits.Architecture, _digits.Global, 4).Model;
            personalizer.Train(personal, _digits.Global, _digits.DeviceSamples, cancellationToken: TestContext.Current.CancellationToken);
            new PersonalModelStore(modelDirectory).Save(personal);
            stored = Bits(personal.Parameters);
            accuracyBefore = personalizer.Evaluate(_digits.Architecture, personal.Compose(_digits.Global), _digits.DeviceTest).Accuracy;
        }

        // "Restart": new store, new personalizer, nothing shared but the directory.
        var restored = new PersonalModelStore(modelDirectory).Load();
        Assert.NotNull(restored);
        Assert.Equal(stored, Bits(restored.Parameters));
        using var after = new Personalizer(_digits.Options(PersonalizationMode.Head), new Random(3), NullLogger.Instance);
        var rebase = after.Rebase(restored, _digits.Architecture, _digits.Global, 4);
        Assert.False(rebase.Reinitialised);
        Assert.Equal(accuracyBefore, after.Evaluate(_digits.Architecture, rebase.Model.Compose(_digits.Global), _digits.DeviceTest).Accuracy);
    }

    [Fact]
    public void Load_gives_null_when_nothing_was_saved()
    {
        using var dir = new TempDirectory();
        Assert.Null(new PersonalModelStore(dir.Path).Load());
    }

    [Fact]
    public void A_flipped_byte_is_reported_as_corrupt_naming_the_file_and_the_file_is_left_untouched()
    {
        using var dir = new TempDirectory();
        var store = new PersonalModelStore(dir.Path);
        store.Save(RandomModel(PersonalizationMode.Head, 1, 0, seed: 2));
        byte[] bytes = File.ReadAllBytes(store.CurrentPath);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(store.CurrentPath, bytes);

        var ex = Assert.Throws<PersonalModelCorruptException>(store.Load);

        Assert.Contains(store.CurrentPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", ex.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(store.CurrentPath));
    }

    [Fact]
    public void A_truncated_file_is_reported_as_corrupt()
    {
        using var dir = new TempDirectory();
        var store = new PersonalModelStore(dir.Path);
        store.Save(RandomModel(PersonalizationMode.Ditto, 1, 0, seed: 3));
        byte[] bytes = File.ReadAllBytes(store.CurrentPath);
        File.WriteAllBytes(store.CurrentPath, bytes.AsSpan(0, bytes.Length - 40).ToArray());

        Assert.Throws<PersonalModelCorruptException>(store.Load);
    }

    [Fact]
    public void A_file_that_is_not_a_personal_model_is_reported_as_corrupt()
    {
        using var dir = new TempDirectory();
        var store = new PersonalModelStore(dir.Path);
        File.WriteAllText(store.CurrentPath, "{\"weights\": [1, 2, 3]}");

        var ex = Assert.Throws<PersonalModelCorruptException>(store.Load);
        Assert.Contains("FEDGEPRS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_saved_before_the_current_one_stays_loadable_after_the_current_file_is_damaged()
    {
        using var dir = new TempDirectory();
        var store = new PersonalModelStore(dir.Path);
        var first = RandomModel(PersonalizationMode.Head, 1, 10, seed: 4);
        store.Save(first);
        store.Save(RandomModel(PersonalizationMode.Head, 2, 20, seed: 5));
        File.WriteAllBytes(store.CurrentPath, new byte[100]);

        Assert.Throws<PersonalModelCorruptException>(store.Load);
        var previous = store.LoadPrevious();

        Assert.NotNull(previous);
        Assert.Equal(1UL, previous.BaseVersion);
        Assert.Equal(Bits(first.Parameters), Bits(previous.Parameters));
    }

    [Fact]
    public void Metadata_naming_tensors_that_do_not_fit_the_mode_is_reported_as_corrupt()
    {
        // A head model's bytes relabelled as a ditto model (checksum recomputed): the tensor list no longer fits.
        byte[] bytes = PersonalModelStore.Serialize(RandomModel(PersonalizationMode.Head, 1, 0, seed: 6));
        string text = System.Text.Encoding.Latin1.GetString(bytes);
        byte[] relabelled = System.Text.Encoding.Latin1.GetBytes(text.Replace("\"head\"", "\"ditto\"", StringComparison.Ordinal));
        uint metadataLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(relabelled.AsSpan(12));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(relabelled.AsSpan(12), metadataLength + 1);
        System.Security.Cryptography.SHA256.HashData(relabelled.AsSpan(0, relabelled.Length - 32), relabelled.AsSpan(relabelled.Length - 32));

        var ex = Assert.Throws<PersonalModelCorruptException>(() => PersonalModelStore.Deserialize(relabelled, "test"));
        Assert.Contains("Ditto", ex.Message, StringComparison.Ordinal);
    }

    [Property(MaxTest = 50)]
    public bool Serialize_then_deserialize_returns_the_same_bits(int seed, bool head, uint version)
    {
        var model = RandomModel(head ? PersonalizationMode.Head : PersonalizationMode.Ditto, version, Math.Abs(seed % 1000), seed);
        var back = PersonalModelStore.Deserialize(PersonalModelStore.Serialize(model), "property");
        return back.Mode == model.Mode && back.BaseVersion == model.BaseVersion && back.LocalSteps == model.LocalSteps
            && Bits(back.Parameters).AsSpan().SequenceEqual(Bits(model.Parameters));
    }

    private static PersonalModel RandomModel(PersonalizationMode mode, ulong version, long steps, int seed)
    {
        var random = new Random(seed);
        var layout = Architecture.Layout.Subset(PersonalModel.PersonalTensors(Architecture, mode));
        var parameters = new ParameterSet(layout);
        var values = parameters.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            // Include negative zero and subnormals: bit-exactness, not approximate equality, is the claim.
            values[i] = (i % 17) switch
            {
                0 => -0f,
                1 => float.Epsilon * (i + 1),
                _ => (float)((random.NextDouble() - 0.5) * 4),
            };
        }

        return PersonalModel.FromParameters(mode, Architecture, version, steps, parameters);
    }

    private static byte[] Bits(ParameterSet parameters) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(parameters.AsSpan()).ToArray();
}
