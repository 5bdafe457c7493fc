namespace FedEdge.Core.Privacy;

/// <summary>How a Rényi-DP curve is turned into an (ε, δ) guarantee.</summary>
public enum ConversionMethod
{
    /// <summary>
    /// ε = RDP(α) + log((α−1)/α) − (log δ + log α)/(α−1): Canonne, Kamath, Steinke 2020, Prop. 12
    /// (= Balle et al. 2020, Thm. 21). Never larger than <see cref="Classic"/>.
    /// </summary>
    Tight = 0,

    /// <summary>ε = RDP(α) + log(1/δ)/(α−1): Mironov 2017, Prop. 3 (what TF-Privacy's first accountant used).</summary>
    Classic = 1,
}
