using System.Text.Json;
using System.Text.Json.Serialization;
using Shinsa.Grains.Masters;

namespace Shinsa.Grains.Review;

/// <summary>
/// The check catalogue's parameters (DOMAIN.md "Check catalogue"), as data: a versioned rule file loaded at start
/// and replaced through the log, so every finding names the rule version it was found under and a replay applies
/// the same rules the live run did. JSON names are snake_case, as in <c>rules/*.json</c>.
/// </summary>
public sealed record RuleSet
{
    public required int Version { get; init; }
    public string Description { get; init; } = "";

    /// <summary>Insurers whose eligibility the federation holds; ELIG-* checks only look at these (a 社保 card is not ours to check).</summary>
    public IReadOnlyList<InsurerPattern> EligibilityInsurers { get; init; } = [];
    public RouteRule Route { get; init; } = new();
    /// <summary>縦覧: "code X at most N times in M months" at one provider.</summary>
    public IReadOnlyList<FrequencyLimit> FrequencyLimits { get; init; } = [];
    /// <summary>初診料 codes: billed while the same disease continues (転帰 1 継続) at the same provider is a VERT finding.</summary>
    public IReadOnlyList<string> FirstVisitCodes { get; init; } = [];
    public int FirstVisitLookbackMonths { get; init; } = 12;
    /// <summary>横覧: codes that may not be billed on both the 入院 and the 外来 receipt of one provider in a month.</summary>
    public IReadOnlyList<string> InpatientOutpatientExclusive { get; init; } = [];
    /// <summary>処方箋料 codes: a 調剤 receipt needs one on its prescriber's receipt (突合).</summary>
    public IReadOnlyList<string> PrescriptionCodes { get; init; } = [];
    /// <summary>Drug ingredients (first 7 characters of the 薬価基準 code) and the disease groups that indicate them.</summary>
    public IReadOnlyList<DrugIndication> Indications { get; init; } = [];
    public JudoRule Judo { get; init; } = new();
    public VisitsRule Visits { get; init; } = new();
    public DrugsRule Drugs { get; init; } = new();
    public IReadOnlyList<DiseaseGroup> ThirdPartyGroups { get; init; } = [DiseaseGroup.Injury];
    public CheckupVisitRule CheckupVisit { get; init; } = new();
    public DiabetesDropRule DiabetesDrop { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads a rule file; a wrong name or value fails with the reason, so a typo never silently disables a check.</summary>
    public static RuleSet Parse(string json)
    {
        RuleSet? rules;
        try
        {
            rules = JsonSerializer.Deserialize<RuleSet>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"rule file: {e.Message}", e);
        }
        if (rules is null) throw new FormatException("rule file: empty");
        if (rules.Version <= 0) throw new FormatException("rule file: version must be a positive number");
        foreach (var limit in rules.FrequencyLimits)
            if (limit.MaxTimes < 0 || limit.Months < 1) throw new FormatException($"rule file: frequency limit for {limit.Code} needs max_times ≥ 0 and months ≥ 1");
        return rules;
    }

    /// <summary>The starter rule set shipped with Shinsa (Review/starter-rules.json).</summary>
    public static string StarterJson
    {
        get
        {
            using var stream = typeof(RuleSet).Assembly.GetManifestResourceStream("starter-rules.json")
                ?? throw new InvalidOperationException("the starter rule set is not embedded in the build");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    public static RuleSet Starter => Parse(StarterJson);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>
    /// How far, in months, a check looks back from the month of a finding (縦覧 windows, the 初診 lookback, CHK-VISIT and
    /// DM-DROP): a record of month m can change findings of months m … m + this, read from records of m − this onwards.
    /// </summary>
    [JsonIgnore]
    public int ReviewWindowMonths => new[] { FirstVisitLookbackMonths, CheckupVisit.Months, DiabetesDrop.Months }
        .Concat(FrequencyLimits.Select(l => l.Months)).Max();

    public bool ChecksEligibilityOf(string insurerNo) => EligibilityInsurers.Any(p => p.Matches(insurerNo));
}

/// <summary>An insurer number pattern: its length and, optionally, its first digits (国保 6 digits; 後期 39xxxxxx).</summary>
public sealed record InsurerPattern(int Length, string Prefix = "")
{
    public bool Matches(string insurerNo) => insurerNo.Length == Length && insurerNo.StartsWith(Prefix, StringComparison.Ordinal);
}

/// <summary>ROUTE: where a large receipt is reviewed (審査専門部会, 特別審査).</summary>
public sealed record RouteRule
{
    public int MedicalExpertPoints { get; init; } = 70_000;
    public int MedicalSpecialPoints { get; init; } = 380_000;
    public int MedicalSpecialCardioPoints { get; init; } = 700_000;
    /// <summary>心・脈管 surgery codes that raise the 特別審査 threshold.</summary>
    public IReadOnlyList<string> CardioSurgeryCodes { get; init; } = [];
    public int DentalSpecialPoints { get; init; } = 200_000;
}

public sealed record FrequencyLimit(string Code, int MaxTimes, int Months);

public sealed record DrugIndication(string Ingredient, IReadOnlyList<DiseaseGroup> DiseaseGroups);

/// <summary>JUDO: ≥ <see cref="Parts"/> parts and ≥ <see cref="Days"/> treatment days in a month; an injury going on longer than <see cref="Months"/> months.</summary>
public sealed record JudoRule
{
    public int Parts { get; init; } = 3;
    public int Days { get; init; } = 15;
    public int Months { get; init; } = 5;
}

/// <summary>VISITS: the same disease at ≥ <see cref="Providers"/> outpatient providers in a month; ≥ <see cref="Days"/> visit days at one.</summary>
public sealed record VisitsRule
{
    public int Providers { get; init; } = 3;
    public int Days { get; init; } = 15;
}

/// <summary>DRUGS: the same ingredient from ≥ <see cref="Prescribers"/> prescribers in a month; ≥ <see cref="DistinctOral"/> distinct oral drugs.</summary>
public sealed record DrugsRule
{
    public int Prescribers { get; init; } = 2;
    public int DistinctOral { get; init; } = 15;
}

/// <summary>CHK-VISIT: a check-up at 受診勧奨 level and no medical visit within <see cref="Months"/> months after its month.</summary>
public sealed record CheckupVisitRule
{
    public decimal HbA1c { get; init; } = 6.5m;
    public int Sbp { get; init; } = 140;
    public int Dbp { get; init; } = 90;
    public int Months { get; init; } = 10;
}

/// <summary>DM-DROP: a diabetes diagnosis in earlier months and no diabetes claim for the last <see cref="Months"/> months.</summary>
public sealed record DiabetesDropRule
{
    public int Months { get; init; } = 3;
}
