using FedEdge.Core.Data;

namespace FedEdge.Device.Sampling;

/// <summary>The labelled samples a device trains on, standardised with the fleet-wide smart-home scaling.</summary>
public interface ILocalSamples
{
    /// <summary>How many samples are there now (the eligibility rule needs at least <c>Training:MinSamples</c>).</summary>
    int Count { get; }

    /// <summary>The newest <paramref name="max"/> samples, standardised.</summary>
    Dataset ReadNewest(int max);
}
