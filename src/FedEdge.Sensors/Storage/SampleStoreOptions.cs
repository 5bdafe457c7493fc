using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FedEdge.Sensors.Storage;

/// <summary>Where and how large the local sample store is.</summary>
public sealed class SampleStoreOptions
{
    /// <summary>SQLite file path (created with its directory if missing). Required.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "";

    /// <summary>Features per sample; fixed for the life of the file. 1–4096.</summary>
    [Range(1, 4096)]
    public int FeatureCount { get; set; }

    /// <summary>Number of classes; labels are 0..ClassCount−1. 2–1000.</summary>
    [Range(2, 1000)]
    public int ClassCount { get; set; }

    /// <summary>Size cap of the database pages in use, MB (2^20 bytes). 0.1–100000; default 32 MB (a Pi Zero's SD card budget).</summary>
    [Range(0.1, 100_000.0)]
    public double MaxMegabytes { get; set; } = 32;

    /// <summary>Row cap. 1–100,000,000; default 1,000,000.</summary>
    [Range(1, 100_000_000)]
    public int MaxRows { get; set; } = 1_000_000;

    /// <summary>Eviction never goes below this many rows, even over the size cap. 0–MaxRows; default 100.</summary>
    [Range(0, 100_000_000)]
    public int MinRows { get; set; } = 100;

    /// <summary>Throws <see cref="ArgumentException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var results = new List<string>(new SampleStoreOptionsValidator().Validate(null, this).Failures ?? []);
        if (MinRows > MaxRows)
        {
            results.Add($"{nameof(MinRows)} ({MinRows}) must not exceed {nameof(MaxRows)} ({MaxRows}).");
        }

        if (results.Count > 0)
        {
            throw new ArgumentException("Invalid sample store options: " + string.Join("; ", results));
        }
    }
}
