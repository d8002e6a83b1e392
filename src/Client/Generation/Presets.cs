namespace Shinsa.Client.Generation;

/// <summary>The size of a generated prefecture. miyagi ≈ a real prefecture month (DOMAIN.md volumes).</summary>
public sealed record Preset(string Name, int Persons, int Clinics, int Hospitals, int Dentists, int Pharmacies, int NursingStations)
{
    /// <summary>A thousand people: a year of it replays in seconds (the detection-quality test).</summary>
    public static readonly Preset Tiny = new("tiny", 1_000, 12, 2, 4, 5, 1);
    public static readonly Preset Small = new("small", 4_000, 24, 3, 8, 10, 2);
    public static readonly Preset Miyagi = new("miyagi", 750_000, 1_600, 140, 1_060, 1_150, 190);

    public static Preset Named(string name) => name switch
    {
        "tiny" => Tiny,
        "small" => Small,
        "miyagi" => Miyagi,
        _ => throw new ArgumentException($"unknown preset '{name}': use tiny, small or miyagi"),
    };

    /// <summary>A scaled copy, for tests that check the mix of a big preset on fewer people.</summary>
    public Preset Scaled(double factor) =>
        this with
        {
            Persons = Math.Max(100, (int)(Persons * factor)), Clinics = Math.Max(5, (int)(Clinics * factor)), Hospitals = Math.Max(1, (int)(Hospitals * factor)),
            Dentists = Math.Max(2, (int)(Dentists * factor)), Pharmacies = Math.Max(3, (int)(Pharmacies * factor)),
            NursingStations = Math.Max(1, (int)(NursingStations * factor)),
        };
}
