using FedEdge.Core.Parameters;
using FedEdge.Onnx.Artifacts;
using FedEdge.Core.Models;
using FedEdge.Onnx.Proto;

namespace FedEdge.Onnx.Graphs;

/// <summary>
/// Writes the forward pass, the softmax cross-entropy loss and its hand-derived backward pass in
/// standard ONNX ops (no training domain), so the stock inference build of ONNX Runtime can train.
/// </summary>
/// <remarks>
/// Notation: h₀ = X, zₗ = hₗ₋₁Wₗ + bₗ, hₗ = ReLU(zₗ), logits = z_L.
/// Loss L = −(1/N) Σᵢ log softmax(z_L)ᵢ,yᵢ. Backward (standard results):
/// G_L = ∂L/∂z_L = (softmax(z_L) − onehot(y)) / N;
/// ∂L/∂Wₗ = hₗ₋₁ᵀ Gₗ; ∂L/∂bₗ = Σᵢ Gₗ,ᵢ; Gₗ₋₁ = (Gₗ Wₗᵀ) ⊙ 1[zₗ₋₁ &gt; 0].
/// Backpropagation stops at the lowest trainable layer, so a frozen body costs no backward work.
/// </remarks>
internal static class ModelGraphs
{
    public static ModelProto Training(ModelArchitecture architecture, IReadOnlyList<string> trainable, bool perExampleClipping = false, bool proximal = false)
    {
        if (perExampleClipping && proximal)
        {
            // The proximal term is not a per-example quantity, so "clip each example's gradient"
            // has no meaning for it; and the only user (Ditto's personal model) never leaves the
            // device, so it needs no DP-SGD.
            throw new ArgumentException("A training graph cannot have both per-example clipping and the proximal term.", nameof(proximal));
        }

        var g = new OnnxGraphBuilder(perExampleClipping ? "fededge_training_dpsgd" : proximal ? "fededge_training_proximal" : "fededge_training");
        var trainableSet = new HashSet<string>(trainable, StringComparer.Ordinal);
        var forward = Forward(g, architecture, DeclareInputs(g, architecture, withLabels: true), parametersAsInputs: true);
        var (loss, dLogits, perExample) = SoftmaxCrossEntropy(g, forward.Logits, ArtifactNames.Labels, architecture.Classes, meanGradient: !perExampleClipping);
        var proximalTerm = proximal ? DeclareProximal(g, architecture, trainable) : null;
        g.Identity(proximalTerm is null ? loss : g.Op("Add", [loss, proximalTerm.Penalty]), ArtifactNames.Loss);

        int lowest = Enumerable.Range(0, architecture.LayerCount).First(l =>
            trainableSet.Contains(ModelArchitecture.WeightName(l)) || trainableSet.Contains(ModelArchitecture.BiasName(l)));

        // Gₗ for every layer from the top down to the lowest trainable one. Without clipping the
        // rows are already divided by N (mean loss); with clipping they are the per-example
        // gradients ∂ℓᵢ/∂zₗ,ᵢ, because backpropagation never mixes rows.
        var layerGradients = new string[architecture.LayerCount];
        string gradient = perExampleClipping ? perExample : dLogits!;
        for (int layer = architecture.LayerCount - 1; layer >= lowest; layer--)
        {
            layerGradients[layer] = gradient;
            if (layer > lowest)
            {
                // Gₗ₋₁ = (Gₗ Wₗᵀ) ⊙ 1[zₗ₋₁ > 0]  (ReLU derivative)
                string back = g.Op("Gemm", [gradient, ModelArchitecture.WeightName(layer)], ("transB", 1L));
                string active = g.Op("Greater", [forward.PreActivations[layer - 1], g.Scalar(0f, "zero")]);
                gradient = g.Op("Where", [active, back, g.Scalar(0f, "zero")]);
            }
        }

        if (perExampleClipping)
        {
            ClipPerExample(g, architecture, trainableSet, forward, layerGradients, lowest);
        }

        for (int layer = architecture.LayerCount - 1; layer >= lowest; layer--)
        {
            string weight = ModelArchitecture.WeightName(layer);
            string bias = ModelArchitecture.BiasName(layer);
            if (trainableSet.Contains(weight))
            {
                // ∂L/∂Wₗ = hₗ₋₁ᵀ Gₗ
                string[] inputs = [forward.Activations[layer], layerGradients[layer]];
                if (proximalTerm is null)
                {
                    g.OpNamed("Gemm", ArtifactNames.Gradient(weight), inputs, ("transA", 1L));
                }
                else
                {
                    proximalTerm.AddGradient(g, weight, g.Op("Gemm", inputs, ("transA", 1L)));
                }
            }

            if (trainableSet.Contains(bias))
            {
                // ∂L/∂bₗ = Σᵢ Gₗ,ᵢ
                string[] inputs = [layerGradients[layer], g.Int64Constant("axis0", 0)];
                if (proximalTerm is null)
                {
                    g.OpNamed("ReduceSum", ArtifactNames.Gradient(bias), inputs, ("keepdims", 0L));
                }
                else
                {
                    proximalTerm.AddGradient(g, bias, g.Op("ReduceSum", inputs, ("keepdims", 0L)));
                }
            }
        }

        g.FloatOutput(ArtifactNames.Loss, []);
        foreach (var spec in architecture.Layout.Tensors.Where(t => trainableSet.Contains(t.Name)))
        {
            g.FloatOutput(ArtifactNames.Gradient(spec.Name), Dims(spec));
        }

        if (perExampleClipping)
        {
            g.FloatOutput(ArtifactNames.PerExampleNorms, [null]);
        }

        var metadata = Metadata(architecture, trainable);
        metadata["fededge.per_example_clipping"] = perExampleClipping ? "true" : "false";
        metadata["fededge.proximal"] = proximal ? "true" : "false";
        return g.ToModel(
            perExampleClipping
                ? $"FedEdge DP-SGD training graph for {architecture}: loss, per-example norms and the sum of per-example gradients clipped to clip_norm, for [{string.Join(", ", trainable)}]."
                : proximal
                    ? $"FedEdge proximal training graph for {architecture}: loss + (λ/2)·Σ‖W − W.anchor‖² and its gradients for [{string.Join(", ", trainable)}]."
                    : $"FedEdge training graph for {architecture}: loss and gradients of [{string.Join(", ", trainable)}].",
            metadata);
    }

    /// <summary>
    /// Ditto's personal objective (Li et al. 2021, "Ditto: Fair and Robust Federated Learning
    /// Through Personalization", eq. 2 and Alg. 1): h(v; w) = F(v) + (λ/2)·‖v − w‖², with w the
    /// global weights. Every trainable tensor W gets a frozen input <c>W.anchor</c>; the loss gains
    /// (λ/2)·Σ_W ‖W − W.anchor‖² and each gradient gains ∂/∂W = λ·(W − W.anchor). λ is the scalar
    /// input <c>proximal_lambda</c>, so it can change without regenerating the graph; λ = 0 gives
    /// the plain objective. Frozen tensors have no anchor: they are not optimised, so a pull on
    /// them would change the loss value only, never the model.
    /// </summary>
    private static ProximalTerm DeclareProximal(OnnxGraphBuilder g, ModelArchitecture architecture, IReadOnlyList<string> trainable)
    {
        string lambda = g.FloatInput(ArtifactNames.ProximalLambda, []);
        var differences = new Dictionary<string, string>(StringComparer.Ordinal);
        string? squared = null;
        foreach (string name in trainable)
        {
            var spec = architecture.Layout.Tensors[architecture.Layout.IndexOf(name)];
            string anchor = g.FloatInput(ArtifactNames.Anchor(name), Dims(spec));
            string difference = g.Op("Sub", [name, anchor]);
            differences[name] = difference;
            string term = g.Op("ReduceSumSquare", [difference], ("keepdims", 0L));
            squared = squared is null ? term : g.Op("Add", [squared, term]);
        }

        string penalty = g.Op("Mul", [g.Op("Mul", [lambda, g.Scalar(0.5f, "half")]), squared!]);
        return new ProximalTerm(lambda, differences, penalty);
    }

    /// <summary>
    /// DP-SGD clipping (Abadi et al. 2016, Alg. 1) without materialising per-example gradients.
    /// For a dense layer, ∇Wₗ of example i is the outer product hₗ₋₁,ᵢ ⊗ Gₗ,ᵢ, whose Frobenius norm
    /// is ‖hₗ₋₁,ᵢ‖·‖Gₗ,ᵢ‖ (Goodfellow 2015, "Efficient per-example gradient computations"); the bias
    /// gradient is Gₗ,ᵢ itself. So ‖∇ᵢ‖² = Σₗ (‖hₗ₋₁,ᵢ‖²·‖Gₗ,ᵢ‖² [W trainable] + ‖Gₗ,ᵢ‖² [b trainable]),
    /// summed over trainable tensors only. The clip factor fᵢ = min(1, C/‖∇ᵢ‖) = C / max(‖∇ᵢ‖, C)
    /// scales row i of every Gₗ; the weight/bias gradients built from the scaled rows are then
    /// Σᵢ fᵢ∇ᵢ, the sum of clipped per-example gradients. Noise is added outside the graph.
    /// </summary>
    private static void ClipPerExample(OnnxGraphBuilder g, ModelArchitecture architecture, HashSet<string> trainableSet, ForwardPass forward, string[] layerGradients, int lowest)
    {
        string clip = g.FloatInput(ArtifactNames.ClipNorm, []);
        string? squared = null;
        for (int layer = lowest; layer < architecture.LayerCount; layer++)
        {
            bool weight = trainableSet.Contains(ModelArchitecture.WeightName(layer));
            bool bias = trainableSet.Contains(ModelArchitecture.BiasName(layer));
            if (!weight && !bias)
            {
                continue;
            }

            string gradientSquared = g.Op("ReduceSumSquare", [layerGradients[layer]], ("axes", new long[] { 1 }), ("keepdims", 0L));
            string term = weight
                ? g.Op("Mul", [g.Op("ReduceSumSquare", [forward.Activations[layer]], ("axes", new long[] { 1 }), ("keepdims", 0L)), gradientSquared])
                : gradientSquared;
            if (weight && bias)
            {
                term = g.Op("Add", [term, gradientSquared]);
            }

            squared = squared is null ? term : g.Op("Add", [squared, term]);
        }

        string norms = g.OpNamed("Sqrt", ArtifactNames.PerExampleNorms, [squared!]);
        string factors = g.Op("Div", [clip, g.Op("Max", [norms, clip])]);
        string column = g.Op("Unsqueeze", [factors, g.Int64Constant("axis1", 1)]);
        for (int layer = lowest; layer < architecture.LayerCount; layer++)
        {
            layerGradients[layer] = g.Op("Mul", [layerGradients[layer], column]);
        }
    }

    public static ModelProto Eval(ModelArchitecture architecture)
    {
        var g = new OnnxGraphBuilder("fededge_eval");
        var forward = Forward(g, architecture, DeclareInputs(g, architecture, withLabels: true), parametersAsInputs: true);
        var (loss, _, _) = SoftmaxCrossEntropy(g, forward.Logits, ArtifactNames.Labels, architecture.Classes, meanGradient: false);
        g.Identity(loss, ArtifactNames.Loss);
        g.OpNamed("ArgMax", ArtifactNames.Predictions, [forward.Logits], ("axis", 1L), ("keepdims", 0L));
        g.FloatOutput(ArtifactNames.Loss, []);
        g.Int64Output(ArtifactNames.Predictions, [null]);
        return g.ToModel($"FedEdge eval graph for {architecture}: mean loss and predicted classes.", Metadata(architecture, []));
    }

    public static ModelProto Inference(ModelArchitecture architecture, ParameterSet parameters)
    {
        if (!parameters.Layout.Equals(architecture.Layout))
        {
            throw new ArgumentException($"Parameters [{parameters.Layout}] do not fit {architecture}.", nameof(parameters));
        }

        var g = new OnnxGraphBuilder("fededge_inference");
        string features = g.FloatInput(ArtifactNames.Features, [null, architecture.Inputs]);
        for (int i = 0; i < architecture.Layout.Count; i++)
        {
            var spec = architecture.Layout.Tensors[i];
            g.FloatInitializer(spec.Name, parameters.Tensor(i), spec.Shape);
        }

        var forward = Forward(g, architecture, features, parametersAsInputs: false);
        g.OpNamed("Softmax", ArtifactNames.Probabilities, [forward.Logits], ("axis", 1L));
        g.OpNamed("ArgMax", ArtifactNames.Predictions, [forward.Logits], ("axis", 1L), ("keepdims", 0L));
        g.FloatOutput(ArtifactNames.Probabilities, [null, architecture.Classes]);
        g.Int64Output(ArtifactNames.Predictions, [null]);
        return g.ToModel($"FedEdge inference model {architecture}.", Metadata(architecture, []));
    }

    /// <summary>
    /// One optimizer step for every trainable tensor p with gradient g (t = step, 1-based):
    /// SGD:   v ← μv + (g + λp);  p ← p − ηv.
    /// AdamW: m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);
    ///        p ← p − η(m̂/(√v̂ + ε) + λp)   (Loshchilov &amp; Hutter 2019, Algorithm 2).
    /// </summary>
    public static ModelProto Optimizer(ModelArchitecture architecture, IReadOnlyList<string> trainable, OptimizerSettings settings)
    {
        settings.Validate();
        var g = new OnnxGraphBuilder("fededge_optimizer");
        string lr = g.FloatInput(ArtifactNames.LearningRate, []);
        string step = g.FloatInput(ArtifactNames.Step, []);
        var outputs = new List<(string Name, TensorSpec Spec)>();
        string? biasCorrection1 = null;
        string? biasCorrection2 = null;
        if (settings.Kind == OptimizerKind.AdamW)
        {
            string one = g.Scalar(1f, "one");
            biasCorrection1 = g.Op("Sub", [one, g.Op("Pow", [g.Scalar(settings.Beta1, "beta1"), step])]);
            biasCorrection2 = g.Op("Sub", [one, g.Op("Pow", [g.Scalar(settings.Beta2, "beta2"), step])]);
        }

        foreach (string name in trainable)
        {
            var spec = architecture.Layout.Tensors[architecture.Layout.IndexOf(name)];
            var dims = Dims(spec);
            string p = g.FloatInput(name, dims);
            string grad = g.FloatInput(ArtifactNames.Gradient(name), dims);
            if (settings.Kind == OptimizerKind.SgdMomentum)
            {
                string v = g.FloatInput(ArtifactNames.State("momentum", name), dims);
                string decayed = settings.WeightDecay > 0
                    ? g.Op("Add", [grad, g.Op("Mul", [p, g.Scalar(settings.WeightDecay, "weight_decay")])])
                    : grad;
                string newV = g.OpNamed("Add", ArtifactNames.Updated(ArtifactNames.State("momentum", name)),
                    [g.Op("Mul", [v, g.Scalar(settings.Momentum, "momentum")]), decayed]);
                g.OpNamed("Sub", ArtifactNames.Updated(name), [p, g.Op("Mul", [newV, lr])]);
                outputs.Add((ArtifactNames.Updated(name), spec));
                outputs.Add((ArtifactNames.Updated(ArtifactNames.State("momentum", name)), spec));
            }
            else
            {
                string m = g.FloatInput(ArtifactNames.State("adam_m", name), dims);
                string v = g.FloatInput(ArtifactNames.State("adam_v", name), dims);
                string newM = g.OpNamed("Add", ArtifactNames.Updated(ArtifactNames.State("adam_m", name)),
                    [g.Op("Mul", [m, g.Scalar(settings.Beta1, "beta1")]), g.Op("Mul", [grad, g.Scalar(1f - settings.Beta1, "one_minus_beta1")])]);
                string newV = g.OpNamed("Add", ArtifactNames.Updated(ArtifactNames.State("adam_v", name)),
                    [g.Op("Mul", [v, g.Scalar(settings.Beta2, "beta2")]), g.Op("Mul", [g.Op("Mul", [grad, grad]), g.Scalar(1f - settings.Beta2, "one_minus_beta2")])]);
                string mHat = g.Op("Div", [newM, biasCorrection1!]);
                string vHat = g.Op("Div", [newV, biasCorrection2!]);
                string direction = g.Op("Div", [mHat, g.Op("Add", [g.Op("Sqrt", [vHat]), g.Scalar(settings.Epsilon, "epsilon")])]);
                if (settings.WeightDecay > 0)
                {
                    direction = g.Op("Add", [direction, g.Op("Mul", [p, g.Scalar(settings.WeightDecay, "weight_decay")])]);
                }

                g.OpNamed("Sub", ArtifactNames.Updated(name), [p, g.Op("Mul", [direction, lr])]);
                outputs.Add((ArtifactNames.Updated(name), spec));
                outputs.Add((ArtifactNames.Updated(ArtifactNames.State("adam_m", name)), spec));
                outputs.Add((ArtifactNames.Updated(ArtifactNames.State("adam_v", name)), spec));
            }
        }

        foreach (var (name, spec) in outputs)
        {
            g.FloatOutput(name, Dims(spec));
        }

        var metadata = Metadata(architecture, trainable);
        metadata["fededge.optimizer"] = settings.Kind.ToString();
        return g.ToModel($"FedEdge {settings.Kind} step for {architecture}.", metadata);
    }

    private static string DeclareInputs(OnnxGraphBuilder g, ModelArchitecture architecture, bool withLabels)
    {
        string features = g.FloatInput(ArtifactNames.Features, [null, architecture.Inputs]);
        if (withLabels)
        {
            g.Int64Input(ArtifactNames.Labels, [null]);
        }

        return features;
    }

    private static ForwardPass Forward(OnnxGraphBuilder g, ModelArchitecture architecture, string features, bool parametersAsInputs)
    {
        if (parametersAsInputs)
        {
            foreach (var spec in architecture.Layout.Tensors)
            {
                g.FloatInput(spec.Name, Dims(spec));
            }
        }

        var activations = new List<string> { features };
        var preActivations = new List<string>();
        string h = features;
        for (int layer = 0; layer < architecture.LayerCount; layer++)
        {
            // zₗ = hₗ₋₁Wₗ + bₗ
            string z = g.Op("Gemm", [h, ModelArchitecture.WeightName(layer), ModelArchitecture.BiasName(layer)]);
            preActivations.Add(z);
            if (layer < architecture.LayerCount - 1)
            {
                h = g.Op("Relu", [z]);
                activations.Add(h);
            }
        }

        return new ForwardPass(activations, preActivations, preActivations[^1]);
    }

    private static (string Loss, string? DLogits, string PerExample) SoftmaxCrossEntropy(OnnxGraphBuilder g, string logits, string labels, int classes, bool meanGradient)
    {
        string logProbabilities = g.Op("LogSoftmax", [logits], ("axis", 1L));
        string oneHot = g.Op("OneHot", [labels, g.Int64Constant("depth", classes), g.FloatConstant("onehot_values", [0f, 1f], 2)], ("axis", -1L));
        string picked = g.Op("ReduceSum", [g.Op("Mul", [oneHot, logProbabilities]), g.Int64Constant("axis1", 1)], ("keepdims", 0L));
        string loss = g.Op("Neg", [g.Op("ReduceMean", [picked], ("keepdims", 0L))]);

        // ∂ℓᵢ/∂zᵢ = softmax(zᵢ) − onehot(yᵢ) per example; ∂L/∂z = that / N for the mean loss,
        // with N taken from the dynamic batch dimension.
        string perExample = g.Op("Sub", [g.Op("Exp", [logProbabilities]), oneHot]);
        if (!meanGradient)
        {
            return (loss, null, perExample);
        }

        string batch = g.Op("Cast", [g.Op("Shape", [labels])], ("to", (long)TensorProto.Types.DataType.Float));
        string dLogits = g.Op("Div", [perExample, batch]);
        return (loss, dLogits, perExample);
    }

    private static long?[] Dims(TensorSpec spec) => spec.Shape.Select(d => (long?)d).ToArray();

    private static Dictionary<string, string> Metadata(ModelArchitecture architecture, IReadOnlyList<string> trainable) => new(StringComparer.Ordinal)
    {
        ["fededge.architecture"] = architecture.ToString(),
        ["fededge.architecture_hash"] = architecture.Hash(),
        ["fededge.trainable"] = string.Join(',', trainable),
    };

    private sealed record ProximalTerm(string Lambda, IReadOnlyDictionary<string, string> Differences, string Penalty)
    {
        /// <summary>grad.W = ∂F/∂W + λ·(W − W.anchor).</summary>
        public void AddGradient(OnnxGraphBuilder g, string parameter, string dataGradient) =>
            g.OpNamed("Add", ArtifactNames.Gradient(parameter), [dataGradient, g.Op("Mul", [Differences[parameter], Lambda])]);
    }

    private sealed record ForwardPass(IReadOnlyList<string> Activations, IReadOnlyList<string> PreActivations, string Logits);
}
