namespace FedEdge.Device.Privacy;

/// <summary>What <see cref="RandomCheckIn.Offer"/> decided for one offered model version.</summary>
public enum CheckInOutcome
{
    /// <summary>The offer is charged and the coin said yes: the device takes part in this round (no further charge).</summary>
    Joined,

    /// <summary>
    /// The offer is charged and the coin said no — or the offer was charged before a restart and its coin is not known any
    /// more, which counts as no (drawing again would raise the chance of joining above q).
    /// </summary>
    Declined,

    /// <summary>The ledger cannot afford another offer: nothing was charged, the device stops contributing.</summary>
    BudgetExhausted,
}
