using FedEdge.Core.Data;

namespace FedEdge.Device.Personalization;

/// <summary>The device's samples divided by <see cref="LocalValidationSplit"/>.</summary>
/// <param name="Train">Samples the personal model may train on, oldest first.</param>
/// <param name="Validation">Held-out samples that choose the served model, oldest first.</param>
/// <param name="ValidationRows">Row indices of <see cref="Validation"/> in the data set that was split.</param>
public sealed record LocalSplit(Dataset Train, Dataset Validation, IReadOnlyList<int> ValidationRows);
