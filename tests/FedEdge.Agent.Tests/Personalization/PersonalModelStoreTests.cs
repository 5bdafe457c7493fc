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

    [Fact]
    public void A_set_loads_back_with_every_model_its_lambdas_and_the_served_index()
    {
        using var dir = new TempDirectory();
        var set = new PersonalModelSet(
        [
            RandomModel(PersonalizationMode.Ditto, 5, 10, seed: 7, lambda: 1f),
            RandomModel(PersonalizationMode.Ditto, 5, 11, seed: 8, lambda: 0.01f),
            RandomModel(PersonalizationMode.Head, 5, 12, seed: 9),
            RandomModel(PersonalizationMode.LocalOnly, 5, 13, seed: 10),
        ], served: 3);
        new PersonalModelStore(dir.Path).Save(set);

        var loaded = new PersonalModelStore(dir.Path).LoadSet();

        Assert.NotNull(loaded);
        Assert.Equal(3, loaded.Served);
        Assert.Equal(["ditto:1", "ditto:0.01", "head", "local-only"], loaded.Models.Select(m => m.Candidate.Name));
        for (int i = 0; i < set.Models.Count; i++)
        {
            Assert.Equal(set.Models[i].LocalSteps, loaded.Models[i].LocalSteps);
            Assert.Equal(Bits(set.Models[i].Parameters), Bits(loaded.Models[i].Parameters));
        }

        Assert.Equal(PersonalizationMode.LocalOnly, new PersonalModelStore(dir.Path).Load()!.Mode);
    }

    [Theory]
    [InlineData(PersonalizationMode.Head, 0f)]
    [InlineData(PersonalizationMode.Ditto, 0.1f)]
    public void A_format_1_file_loads_as_a_set_of_its_one_model_serving_the_global_model(PersonalizationMode mode, float expectedLambda)
    {
        var model = RandomModel(mode, 9, 40, seed: 12);
        byte[] bytes = FormatOne(model);

        var set = PersonalModelStore.DeserializeSet(bytes, "format-1");

        Assert.Equal(PersonalModelSet.GlobalServed, set.Served);
        var loaded = Assert.Single(set.Models);
        Assert.Equal(mode, loaded.Mode);
        Assert.Equal(expectedLambda, loaded.ProximalLambda);
        Assert.Equal(9UL, loaded.BaseVersion);
        Assert.Equal(40, loaded.LocalSteps);
        Assert.Equal(Bits(model.Parameters), Bits(loaded.Parameters));
    }

    [Fact]
    public void A_file_of_a_newer_format_is_refused_naming_both_versions()
    {
        byte[] bytes = PersonalModelStore.Serialize(RandomModel(PersonalizationMode.Head, 1, 0, seed: 13));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 3);
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));

        var ex = Assert.Throws<PersonalModelCorruptException>(() => PersonalModelStore.DeserializeSet(bytes, "newer"));

        Assert.Contains("format version 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("reads 1 and 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_served_index_outside_the_models_is_reported_as_corrupt()
    {
        byte[] bytes = PersonalModelStore.Serialize(new PersonalModelSet([RandomModel(PersonalizationMode.Head, 1, 0, seed: 14)], served: 0));
        string text = System.Text.Encoding.Latin1.GetString(bytes);
        byte[] broken = System.Text.Encoding.Latin1.GetBytes(text.Replace("\"served\":0", "\"served\":4", StringComparison.Ordinal));
        System.Security.Cryptography.SHA256.HashData(broken.AsSpan(0, broken.Length - 32), broken.AsSpan(broken.Length - 32));

        var ex = Assert.Throws<PersonalModelCorruptException>(() => PersonalModelStore.DeserializeSet(broken, "served"));

        Assert.Contains("served index 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mark_of_models_trained_on_validation_samples_survives_a_restart_and_is_absent_from_other_files()
    {
        var models = new[] { RandomModel(PersonalizationMode.Head, 1, 0, seed: 15) };
        byte[] plain = PersonalModelStore.Serialize(new PersonalModelSet(models, served: 0));
        byte[] marked = PersonalModelStore.Serialize(new PersonalModelSet(models, served: 0) { SawValidationSamples = true });

        Assert.False(PersonalModelStore.DeserializeSet(plain, "plain").SawValidationSamples);
        Assert.DoesNotContain("saw_validation", System.Text.Encoding.Latin1.GetString(plain), StringComparison.Ordinal);
        var back = PersonalModelStore.DeserializeSet(marked, "marked");
        Assert.True(back.SawValidationSamples);
        Assert.Equal(0, back.Served);
        Assert.Equal(marked, PersonalModelStore.Serialize(back));

        // a mark that is not a boolean is a damaged file, not a silent false
        string text = System.Text.Encoding.Latin1.GetString(marked);
        byte[] broken = System.Text.Encoding.Latin1.GetBytes(text.Replace("\"saw_validation\":true", "\"saw_validation\":7777", StringComparison.Ordinal));
        System.Security.Cryptography.SHA256.HashData(broken.AsSpan(0, broken.Length - 32), broken.AsSpan(broken.Length - 32));
        Assert.Throws<PersonalModelCorruptException>(() => PersonalModelStore.DeserializeSet(broken, "mark"));
    }

    // The single-model layout written before format 2 (magic, version 1, metadata object, tensors, SHA-256).
    private static byte[] FormatOne(PersonalModel model)
    {
        string tensors = string.Join(",", model.Parameters.Layout.Tensors.Select(t => $"{{\"name\":\"{t.Name}\",\"shape\":[{string.Join(",", t.Shape)}]}}"));
        byte[] metadata = System.Text.Encoding.UTF8.GetBytes(
            $"{{\"mode\":\"{model.Mode.ToString().ToLowerInvariant()}\",\"architecture\":\"{model.Architecture}\",\"base_version\":\"{model.BaseVersion}\",\"local_steps\":{model.LocalSteps},\"tensors\":[{tensors}]}}");
        byte[] values = Bits(model.Parameters);
        byte[] bytes = new byte[8 + 8 + metadata.Length + values.Length + 32];
        "FEDGEPRS"u8.CopyTo(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), (uint)metadata.Length);
        metadata.CopyTo(bytes, 16);
        values.CopyTo(bytes, 16 + metadata.Length);
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        return bytes;
    }

    private static PersonalModel RandomModel(PersonalizationMode mode, ulong version, long steps, int seed, float lambda = 0.1f)
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

        return PersonalModel.FromParameters(mode, Architecture, version, steps, parameters, mode == PersonalizationMode.Ditto ? lambda : 0);
    }

    private static byte[] Bits(ParameterSet parameters) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(parameters.AsSpan()).ToArray();
}
