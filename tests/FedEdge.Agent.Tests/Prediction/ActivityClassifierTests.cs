using FedEdge.Sensors.Features;
using System.Text.Json;
using FedEdge.Device.Prediction;
using FedEdge.Core.Codecs;
using FedEdge.Core.Models;
using FedEdge.Core.Parameters;
using FedEdge.Protocol.Wire;
using Google.Protobuf;

namespace FedEdge.Agent.Tests.Prediction;

public sealed class ActivityClassifierTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);

    /// <summary>A logistic regression 14 → 5 with seeded weights, encoded as the aggregator sends it.</summary>
    private static (GlobalModel Model, float[] Weights, float[] Bias) LogisticModel(int seed)
    {
        var architecture = ModelArchitecture.LogisticRegression(14, 5);
        var parameters = new ParameterSet(architecture.Layout);
        var random = new Random(seed);
        var all = parameters.AsSpan();
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var codec = UpdateCodecs.CreateStandard(new Random(1), 0.1).Get(UpdateEncoding.DenseFloat32);
        byte[] payload = new byte[codec.MaxEncodedSize(architecture.Layout)];
        int written = codec.Encode(parameters.AsSpan(), architecture.Layout, payload);
        var model = new GlobalModel { Version = 7, Architecture = architecture.ToString(), Parameters = ByteString.CopyFrom(payload, 0, written) };
        return (model, parameters[ModelArchitecture.WeightName(0)].ToArray(), parameters[ModelArchitecture.BiasName(0)].ToArray());
    }

    [Fact]
    public void Predict_matches_a_float64_softmax_of_the_same_weights()
    {
        var (model, w, b) = LogisticModel(3);
        Assert.True(ActivityClassifier.TryCreate(model, SmartHomeSchema.ClassNames, out var classifier, out string problem), problem);
        using (classifier)
        {
            var random = new Random(9);
            for (int trial = 0; trial < 20; trial++)
            {
                float[] x = [.. Enumerable.Range(0, 14).Select(_ => (float)((random.NextDouble() * 4) - 2))];

                // reference: z = xW + b (W is [inputs, classes] row-major), softmax in double
                double[] z = new double[5];
                for (int c = 0; c < 5; c++)
                {
                    z[c] = b[c];
                    for (int i = 0; i < 14; i++)
                    {
                        z[c] += (double)x[i] * w[(i * 5) + c];
                    }
                }

                double max = z.Max();
                double sum = z.Sum(v => Math.Exp(v - max));
                int best = Array.IndexOf(z, max);

                var prediction = classifier!.Predict(x, Now);
                Assert.Equal(best, prediction.ClassIndex);
                Assert.Equal(SmartHomeSchema.ClassNames[best], prediction.Activity);
                Assert.Equal(1 / sum, prediction.Probability, 1e-5); // float32 inference vs float64 reference
                Assert.Equal("global", prediction.Model);
                Assert.Equal(7UL, prediction.ModelVersion);
            }
        }
    }

    [Fact]
    public void TryCreate_refuses_a_model_whose_architecture_does_not_parse()
    {
        var (model, _, _) = LogisticModel(3);
        model.Architecture = "resnet-50";
        Assert.False(ActivityClassifier.TryCreate(model, SmartHomeSchema.ClassNames, out var classifier, out string problem));
        Assert.Null(classifier);
        Assert.Contains("resnet-50", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_refuses_a_vector_of_the_wrong_length()
    {
        var (model, _, _) = LogisticModel(3);
        Assert.True(ActivityClassifier.TryCreate(model, SmartHomeSchema.ClassNames, out var classifier, out _));
        using (classifier)
        {
            Assert.Throws<ArgumentException>(() => classifier!.Predict(new float[13], Now));
        }
    }

    [Fact]
    public void Payload_carries_activity_probability_model_and_version()
    {
        var payload = PredictionPublisher.Payload(new ActivityPrediction("cooking", 2, 0.8125, "global", 7, Now));
        using var json = JsonDocument.Parse(payload);
        var root = json.RootElement;
        Assert.Equal("cooking", root.GetProperty("activity").GetString());
        Assert.Equal(0.8125, root.GetProperty("probability").GetDouble());
        Assert.Equal("global", root.GetProperty("model").GetString());
        Assert.Equal(7UL, root.GetProperty("model_version").GetUInt64());
        Assert.Equal(Now.ToUnixTimeMilliseconds(), root.GetProperty("timestamp_ms").GetInt64());
    }

    [Fact]
    public void SmartHomeClassNames_are_the_simulator_classes_in_index_order()
    {
        Assert.Equal(["empty", "sleeping", "cooking", "working", "exercising"], SmartHomeSchema.ClassNames);
    }
}
