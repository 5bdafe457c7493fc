namespace FedEdge.Onnx.Artifacts;

/// <summary>The update rule written into <c>optimizer_model.onnx</c>.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with heavy-ball momentum (PyTorch convention: v ← μv + g; p ← p − ηv).</summary>
    SgdMomentum,

    /// <summary>AdamW (Loshchilov &amp; Hutter 2019): Adam with decoupled weight decay.</summary>
    AdamW,
}
