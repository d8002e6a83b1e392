using Shinsa.Grains.Records;

namespace Shinsa.Client.Generation;

public enum Scheme { Kokuho, Kouki }

/// <summary>A generated insured person. Mutable: eligibility churns month by month.</summary>
public sealed class Person
{
    public required string Id { get; init; }
    public required string HouseholdId { get; init; }
    public required int BirthDate { get; init; }   // YYYYMMDD
    public required byte Sex { get; init; }
    public required string HomeClinic { get; init; }
    public required string HomeDentist { get; init; }
    public required string HomePharmacy { get; init; }
    public required string UnderSeventyClass { get; init; }
    public required string SeventyPlusClass { get; init; }
    public HouseholdCard Card { get; set; }
    public string Branch { get; set; } = "00";
    public Scheme Scheme { get; set; }
    /// <summary>Start of the current eligibility period (YYYYMMDD): a lose row closes this period.</summary>
    public int ValidFrom { get; set; }
    public bool Active { get; set; } = true;
    /// <summary>Chronic diabetes: a diabetes claim at the home clinic every month while active (so DM-DROP is clean).</summary>
    public bool Diabetic { get; set; }
    /// <summary>Chronic hypertension: diagnosed at the home clinic when the person visits it.</summary>
    public bool Hypertensive { get; set; }
    /// <summary>An injected CHK-VISIT anomaly: no 医科 visit through this month (and no leaving, no other check-up).</summary>
    public YearMonth? NoMedicalThrough { get; set; }
    /// <summary>A 傷病届 is on file for this person (every natural injury comes with one).</summary>
    public bool Reported { get; set; }
    /// <summary>An injected THIRD anomaly: the person must never get a 傷病届, so no natural injuries either.</summary>
    public bool NoInjuries { get; set; }
    /// <summary>介護保険: the municipal care insurer and 被保険者番号 of a care recipient (null: no care services).</summary>
    public string? CareInsurer { get; set; }
    public string? CareInsuredNo { get; set; }

    /// <summary>Reserved by an injected anomaly that needs the person untouched (no visits, no leaving) in <paramref name="month"/>.</summary>
    public bool ReservedIn(YearMonth month) => NoMedicalThrough is { } until && month <= until;

    public int AgeAt(int yyyymmdd) => (yyyymmdd - BirthDate) / 10000;
    public int AgeAt(YearMonth month) => AgeAt(month.Value * 100 + 1);

    public string IncomeClassAt(YearMonth month) => AgeAt(month) >= 70 ? SeventyPlusClass : UnderSeventyClass;

    /// <summary>
    /// The copay percentage in a month: 20 before school age, 30 to 69, 20 at 70–74 (from the month after the 70th
    /// birthday, or its month when born on the 1st), 10 in 後期 (from the 75th birthday: the person's card and scheme
    /// change that day); 30 for 現役並み from 70. Every change is an eligibility `change` row from the 1st of the month.
    /// </summary>
    public int BurdenPctAt(YearMonth month)
    {
        var age = AgeAt(month);
        if (age >= 70 && SeventyPlusClass.StartsWith("現役並み")) return 30;
        if (Scheme == Scheme.Kouki) return 10;
        return age switch { < 6 => 20, < 70 => 30, _ => 20 };
    }
}

/// <summary>The insurers and people of a generated prefecture (宮城: prefecture code 04).</summary>
public sealed class Population
{
    public const string PrefectureCode = "04";
    public const string KoukiInsurer = "39040012"; // 後期高齢者医療広域連合 (8 digits, personal numbers)

    public List<string> MunicipalInsurers { get; } = Enumerable.Range(0, 35).Select(i => $"04{10 + i * 8:D4}").ToList();
    public List<string> UnionInsurers { get; } = ["043010", "043028", "043036"]; // 国保組合
    /// <summary>Municipal 介護保険 insurers (6 digits, a range of their own).</summary>
    public List<string> CareInsurers { get; } = Enumerable.Range(0, 35).Select(i => $"04{5010 + i * 8:D4}").ToList();
    public List<Person> People { get; } = new();
    public IReadOnlyList<string> Clinics { get; }
    public IReadOnlyList<string> Hospitals { get; }
    public IReadOnlyList<string> Dentists { get; }
    public IReadOnlyList<string> Pharmacies { get; }
    public IReadOnlyList<string> NursingStations { get; }
    /// <summary>介護 事業所 (10-digit 事業所番号).</summary>
    public IReadOnlyList<string> CareProviders { get; }

    private int _nextPerson;
    private int _nextHousehold;
    private int _nextKoukiNumber = 10_000_000;
    private long _nextCareNumber = 1_000_000_000;

    public Population(Preset preset, Rng rng, YearMonth firstMonth)
    {
        Clinics = Enumerable.Range(0, preset.Clinics).Select(i => $"{1_010_000 + i * 37:D7}").ToList();
        Hospitals = Enumerable.Range(0, preset.Hospitals).Select(i => $"{2_010_000 + i * 53:D7}").ToList();
        // Codes of different kinds never collide, so a provider code alone names a provider (decisions carry only it).
        Dentists = Enumerable.Range(0, preset.Dentists).Select(i => $"{3_010_000 + i * 41:D7}").ToList();
        Pharmacies = Enumerable.Range(0, preset.Pharmacies).Select(i => $"{4_010_000 + i * 43:D7}").ToList();
        NursingStations = Enumerable.Range(0, preset.NursingStations).Select(i => $"{6_010_000 + i * 47:D7}").ToList();
        CareProviders = Enumerable.Range(0, Math.Max(2, preset.Clinics / 2)).Select(i => $"047{1_000_000 + i * 59:D7}").ToList();
        while (People.Count < preset.Persons) AddHousehold(rng, firstMonth);
    }

    private static readonly (int Min, int Max, double Weight)[] AgeBands =
        [(0, 5, 0.045), (6, 14, 0.075), (15, 39, 0.25), (40, 64, 0.34), (65, 74, 0.14), (75, 99, 0.15)];
    private static readonly (string, double)[] UnderSeventy = [("ア", 0.02), ("イ", 0.05), ("ウ", 0.30), ("エ", 0.38), ("オ", 0.25)];
    private static readonly (string, double)[] SeventyPlus =
        [("現役並み3", 0.01), ("現役並み2", 0.01), ("現役並み1", 0.04), ("一般", 0.60), ("低所得2", 0.20), ("低所得1", 0.14)];

    /// <summary>A household of 1–4 people; under 75 they share a 国保 card (branch 01, 02 …), from 75 each has a 後期 card.</summary>
    public List<Person> AddHousehold(Rng rng, YearMonth month)
    {
        var householdId = $"H{++_nextHousehold:D7}";
        var size = rng.Weighted<int>([(1, 0.35), (2, 0.35), (3, 0.17), (4, 0.13)]);
        var insurer = rng.Chance(0.05) ? rng.Pick(UnionInsurers) : rng.Pick(MunicipalInsurers);
        var card = new HouseholdCard(insurer, $"{rng.Between(1, 99)}", $"{_nextHousehold:D6}");
        var clinic = rng.Pick(Clinics);
        var dentist = rng.Pick(Dentists);
        var pharmacy = rng.Pick(Pharmacies);
        var under = rng.Weighted(UnderSeventy);
        var over = rng.Weighted(SeventyPlus);
        var members = new List<Person>();
        for (var i = 0; i < size; i++)
        {
            var band = rng.Weighted(AgeBands.Select(b => (b, b.Weight)).ToList());
            var age = rng.Between(band.Min, band.Max);
            var birth = (month.Year - age - 1) * 10000 + rng.Between(1, 12) * 100 + rng.Between(1, 28);
            var person = new Person
            {
                Id = $"P{++_nextPerson:D7}", HouseholdId = householdId, BirthDate = birth, Sex = (byte)rng.Between(1, 2),
                HomeClinic = rng.Chance(0.8) ? clinic : rng.Pick(Clinics), HomeDentist = rng.Chance(0.8) ? dentist : rng.Pick(Dentists),
                HomePharmacy = rng.Chance(0.7) ? pharmacy : rng.Pick(Pharmacies), UnderSeventyClass = under, SeventyPlusClass = over,
            };
            if (person.AgeAt(month) >= 75) MoveToKouki(person);
            else
            {
                person.Card = card;
                person.Branch = $"{members.Count(m => m.Scheme == Scheme.Kokuho) + 1:D2}";
                person.Scheme = Scheme.Kokuho;
            }
            // Chronic diseases by age. Diabetes only for people who cannot reach 75 (a change of card) within five years,
            // or are in 後期 already: DM-DROP reads one card, so a diabetic moving card would look like a treatment drop.
            var years = person.AgeAt(month);
            person.Hypertensive = rng.Chance(years switch { < 40 => 0.02, < 65 => 0.2, _ => 0.4 });
            person.Diabetic = rng.Chance(years switch { < 40 => 0.005, < 65 => 0.07, _ => 0.15 }) && (years < 70 || person.Scheme == Scheme.Kouki);
            // About one in six in 後期 uses care services (介護保険 第1号被保険者 with a care level).
            if (person.Scheme == Scheme.Kouki && rng.Chance(0.16))
            {
                var municipality = MunicipalInsurers.IndexOf(insurer);
                person.CareInsurer = CareInsurers[municipality >= 0 ? municipality : rng.Next(CareInsurers.Count)];
                person.CareInsuredNo = $"{_nextCareNumber++:D10}";
            }
            members.Add(person);
        }
        People.AddRange(members);
        return members;
    }

    /// <summary>後期高齢者医療: a personal card from the 75th birthday.</summary>
    public void MoveToKouki(Person person)
    {
        person.Card = new HouseholdCard(KoukiInsurer, "", $"{_nextKoukiNumber++:D8}");
        person.Branch = "00";
        person.Scheme = Scheme.Kouki;
    }
}
