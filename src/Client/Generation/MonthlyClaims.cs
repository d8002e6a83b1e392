using System.Collections.Immutable;
using Shinsa.Grains.Records;

namespace Shinsa.Client.Generation;

/// <summary>
/// A month's receipts of every UKE kind. 医科 first, because its 処方箋 decide the 調剤 receipts: every prescription
/// is filled by one pharmacy, whose receipt names the prescriber (what the 突合 check pairs). Totals are consistent
/// (Σ 点数×回数 = 合計点数), so an unlabelled receipt is clean for TOTAL.
/// </summary>
internal sealed class MonthlyClaims(Population population, HashSet<(string Person, string Provider)> firstVisits)
{
    /// <summary>Receipts by kind and provider, and which receipts each person has.</summary>
    public sealed class Batch
    {
        public SortedDictionary<(ClaimKind Kind, string Provider), List<Receipt>> ByProvider { get; } = new();
        public Dictionary<string, List<(ClaimKind Kind, ReceiptKey Key)>> ByPerson { get; } = new(StringComparer.Ordinal);
        /// <summary>The person id of every receipt (provider codes of different kinds never collide).</summary>
        public Dictionary<ReceiptKey, string> Owners { get; } = new();
        /// <summary>People injured this month (each gets a 傷病届).</summary>
        public List<Person> Injured { get; } = new();

        public List<Receipt> For(ClaimKind kind, string provider) =>
            ByProvider.TryGetValue((kind, provider), out var list) ? list : ByProvider[(kind, provider)] = new List<Receipt>();

        /// <summary>Adds a receipt (its number must be the provider list's next) and notes whose it is.</summary>
        public Receipt Add(Person person, Receipt receipt)
        {
            For(receipt.Kind, receipt.Key.ProviderCode).Add(receipt);
            (ByPerson.TryGetValue(person.Id, out var mine) ? mine : ByPerson[person.Id] = new()).Add((receipt.Kind, receipt.Key));
            Owners[receipt.Key] = person.Id;
            return receipt;
        }

        public int NextNumber(ClaimKind kind, string provider) => For(kind, provider).Count + 1;

        public Receipt Get(ClaimKind kind, ReceiptKey key) => ByProvider[(kind, key.ProviderCode)][key.ReceiptNo - 1];

        public void Replace(Receipt receipt) => ByProvider[(receipt.Kind, receipt.Key.ProviderCode)][receipt.Key.ReceiptNo - 1] = receipt;

        public IEnumerable<Receipt> Of(Person person) =>
            ByPerson.TryGetValue(person.Id, out var mine) ? mine.Select(m => Get(m.Kind, m.Key)) : [];
    }

    private sealed record Prescription(Person Person, string Prescriber, int Day, IReadOnlyList<(ClaimCatalog.Drug Drug, int Supply)> Drugs);

    /// <summary>
    /// The month's receipts. <paramref name="mustVisit"/>: people whose check-up this month reached a 受診勧奨 level; they
    /// see their home clinic in the check-up month (so CHK-VISIT is clean).
    /// </summary>
    public Batch Generate(YearMonth month, Rng rng, IReadOnlySet<string> mustVisit)
    {
        var batch = new Batch();
        var prescriptions = new List<Prescription>();
        foreach (var person in population.People)
        {
            if (!person.Active) continue;
            Medical(batch, person, month, rng, prescriptions, mustVisit.Contains(person.Id));
            Dental(batch, person, month, rng);
            VisitingNursing(batch, person, month, rng);
        }
        Pharmacy(batch, month, rng, prescriptions);
        return batch;
    }

    internal static uint Mask(IEnumerable<int> days) => days.Aggregate(0u, (m, d) => m | 1u << (d - 1));

    internal static List<int> DaysOf(uint mask) => Enumerable.Range(1, 31).Where(d => (mask & 1u << (d - 1)) != 0).ToList();

    private static int DaysIn(YearMonth month) => DateTime.DaysInMonth(month.Year, month.Month);

    /// <summary>Visit days: consecutive for a stay, a week apart for outpatient visits.</summary>
    private static List<int> VisitDays(YearMonth month, int count, int spacing, Rng rng)
    {
        var daysInMonth = DaysIn(month);
        var start = rng.Between(1, Math.Max(1, daysInMonth - count * spacing));
        return Enumerable.Range(0, count).Select(d => Math.Min(daysInMonth, start + d * spacing)).Distinct().ToList();
    }

    internal static ServiceLine Line(ClaimCatalog.Procedure p, IReadOnlyList<int> on) =>
        new(LineKind.Procedure, p.Division, p.Code, null, p.Points, on.Count, Mask(on));

    internal static ServiceLine DrugLine(ClaimCatalog.Drug drug, int supply, int day) =>
        new(LineKind.Drug, "21", drug.Code, 1m, drug.PointsPerDay, supply, Mask([day]));

    internal static string IngredientOf(ClaimCatalog.Drug drug) => drug.PriceListCode[..7];

    /// <summary>Diseases billed by chance on any receipt; chronic ones (高血圧, 糖尿病) belong to the home clinic, injuries come with a 傷病届.</summary>
    internal static readonly ClaimCatalog.Disease[] Acute =
        ClaimCatalog.Diseases.Where(d => d.Code is not (ClaimCatalog.HypertensionCode or ClaimCatalog.DiabetesCode or ClaimCatalog.InjuryCode)).ToArray();

    /// <summary>Whether a drug may be billed against these diagnoses (the starter rules' indications: 突合 clean).</summary>
    internal static bool Indicated(ClaimCatalog.Drug drug, IEnumerable<Diagnosis> diagnoses) => IngredientOf(drug) switch
    {
        "3962002" or "3969010" => diagnoses.Any(d => d.Code == ClaimCatalog.DiabetesCode),
        "2171022" => diagnoses.Any(d => d.Code == ClaimCatalog.HypertensionCode),
        _ => true,
    };

    /// <summary>
    /// 医科: each person visits with an age-dependent probability, most at their home clinic, some at a second or third
    /// provider, a few are admitted to a hospital. About 72% of outpatient receipts issue a 処方箋 (院外処方). A chronic
    /// diabetic, someone injured or someone told to see a doctor at a check-up sees the home clinic this month. Kept
    /// clean for every check: a disease at two outpatient providers at most (VISITS), an ingredient from one prescriber
    /// (DRUGS), drugs only against their indication (MATCH), one receipt per provider (DUP, VERT), 初診料 only at a
    /// provider's first visit (VERT).
    /// </summary>
    private void Medical(Batch batch, Person person, YearMonth month, Rng rng, List<Prescription> prescriptions, bool mustVisit)
    {
        var age = person.AgeAt(month);
        var visits = rng.Chance(age switch { < 15 => 0.7, < 65 => 0.55, < 75 => 0.87, _ => 0.96 });
        var injured = rng.Chance(0.001) && !person.NoInjuries;
        if (person.ReservedIn(month)) return;
        if (!visits && !mustVisit && !injured && !person.Diabetic) return;
        var providers = new List<string> { person.HomeClinic };
        if (rng.Chance(0.33)) providers.Add(rng.Pick(population.Clinics));
        if (rng.Chance(0.12)) providers.Add(rng.Pick(population.Clinics));
        var inpatient = rng.Chance(age >= 75 ? 0.04 : 0.012);
        if (inpatient) providers.Add(rng.Pick(population.Hospitals));
        var diseaseProviders = new Dictionary<string, int>(StringComparer.Ordinal);
        var ingredients = new Dictionary<string, string>(StringComparer.Ordinal);
        if (injured)
        {
            batch.Injured.Add(person);
            person.Reported = true;
        }
        foreach (var provider in providers.Distinct())
        {
            var isStay = inpatient && population.Hospitals.Contains(provider);
            var home = provider == person.HomeClinic;
            var firstVisit = !isStay && firstVisits.Add((person.Id, provider));
            var days = isStay
                ? VisitDays(month, rng.Between(3, 20), 1, rng)
                : VisitDays(month, rng.Weighted<int>([(1, 0.55), (2, 0.25), (3, 0.12), (4, 0.08)]), 7, rng);

            // Diagnoses first: the drugs follow them.
            var codes = new List<ClaimCatalog.Disease>();
            if (home && person.Diabetic) codes.Add(ClaimCatalog.Diseases.Single(d => d.Code == ClaimCatalog.DiabetesCode));
            if (home && person.Hypertensive) codes.Add(ClaimCatalog.Diseases.Single(d => d.Code == ClaimCatalog.HypertensionCode));
            var acute = Acute.Where(d => isStay || diseaseProviders.GetValueOrDefault(d.Code) < 2).ToArray();
            var picks = codes.Count > 0 ? rng.Between(0, 1) : rng.Between(1, 3);
            for (var i = 0; i < picks && acute.Length > 0; i++)
                if (rng.Pick(acute) is var d && !codes.Contains(d)) codes.Add(d);
            if (home && injured) codes.Add(ClaimCatalog.Diseases.Single(d => d.Code == ClaimCatalog.InjuryCode));
            if (!isStay)
                foreach (var d in codes) diseaseProviders[d.Code] = diseaseProviders.GetValueOrDefault(d.Code) + 1;
            var diagnoses = codes.Select((d, i) => new Diagnosis(d.Code, month.AddMonths(-rng.Next(24)).Value * 100 + 1, 1, i == 0)).ToImmutableArray();
            // An ingredient comes from one prescriber a month, and only against its indication.
            var drugs = ClaimCatalog.Drugs.Where(d => Indicated(d, diagnoses)
                && (!ingredients.TryGetValue(IngredientOf(d), out var by) || by == provider)).ToArray();

            var lines = ImmutableArray.CreateBuilder<ServiceLine>();
            if (isStay) lines.Add(Line(ClaimCatalog.Admission, days));
            else
            {
                lines.Add(Line(firstVisit ? ClaimCatalog.FirstVisit : ClaimCatalog.Revisit, firstVisit ? [days[0]] : days));
                if (firstVisit && days.Count > 1) lines.Add(Line(ClaimCatalog.Revisit, days.Skip(1).ToList()));
                if (rng.Chance(0.5)) lines.Add(Line(ClaimCatalog.OutpatientCare, days));
            }
            if (rng.Chance(0.3)) lines.Add(Line(ClaimCatalog.UrineTest, [days[0]]));
            if (rng.Chance(0.3)) lines.Add(Line(ClaimCatalog.BloodTest, [days[0]]));
            if (!isStay && drugs.Length > 0 && rng.Chance(0.72))
            {
                lines.Add(Line(ClaimCatalog.Prescription, [days[0]]));
                var chosen = Enumerable.Range(0, rng.Weighted<int>([(1, 0.5), (2, 0.3), (3, 0.2)]))
                    .Select(_ => (rng.Pick(drugs), rng.Between(7, 30))).DistinctBy(d => IngredientOf(d.Item1)).ToList();
                foreach (var (drug, _) in chosen) ingredients[IngredientOf(drug)] = provider;
                prescriptions.Add(new Prescription(person, provider, days[0], chosen));
            }
            else if (drugs.Length > 0 && (isStay || rng.Chance(0.1))) // 院内処方
            {
                var drug = rng.Pick(drugs);
                ingredients[IngredientOf(drug)] = provider;
                lines.Add(DrugLine(drug, rng.Between(7, 28), days[0]));
            }
            batch.Add(person, Build(ClaimKind.Medical, person, provider, month, batch.NextNumber(ClaimKind.Medical, provider), isStay, days,
                lines.ToImmutable(), diagnoses, null));
        }
    }

    /// <summary>歯科: about 18% of people a month, most at their home dentist.</summary>
    private void Dental(Batch batch, Person person, YearMonth month, Rng rng)
    {
        var age = person.AgeAt(month);
        if (!rng.Chance(age switch { < 6 => 0.078, < 15 => 0.194, < 40 => 0.136, < 75 => 0.204, _ => 0.194 })) return;
        var provider = rng.Chance(0.9) ? person.HomeDentist : rng.Pick(population.Dentists);
        var days = VisitDays(month, rng.Weighted<int>([(1, 0.45), (2, 0.3), (3, 0.15), (4, 0.1)]), 7, rng);
        var firstVisit = firstVisits.Add((person.Id, provider));
        var lines = ImmutableArray.CreateBuilder<ServiceLine>();
        lines.Add(Line(firstVisit ? ClaimCatalog.DentalFirstVisit : ClaimCatalog.DentalRevisit, firstVisit ? [days[0]] : days));
        if (firstVisit && days.Count > 1) lines.Add(Line(ClaimCatalog.DentalRevisit, days.Skip(1).ToList()));
        foreach (var treatment in Enumerable.Range(0, rng.Between(1, 3)).Select(_ => rng.Pick(ClaimCatalog.DentalTreatments)).DistinctBy(t => t.Code))
            lines.Add(Line(treatment, days.Where(_ => rng.Chance(0.7)).DefaultIfEmpty(days[0]).ToList()));
        batch.Add(person, Build(ClaimKind.Dental, person, provider, month, batch.NextNumber(ClaimKind.Dental, provider), false, days, lines.ToImmutable(),
            Diagnoses(ClaimCatalog.DentalDiseases, rng.Between(1, 2), month, rng), null));
    }

    /// <summary>訪問看護: a few of the oldest, visited weekly or more by a station.</summary>
    private void VisitingNursing(Batch batch, Person person, YearMonth month, Rng rng)
    {
        if (person.AgeAt(month) < 75 || !rng.Chance(0.008)) return;
        var provider = rng.Pick(population.NursingStations);
        var days = VisitDays(month, rng.Between(4, 10), 3, rng);
        ImmutableArray<ServiceLine> lines = [Line(ClaimCatalog.NursingManagement, [days[0]]), Line(ClaimCatalog.NursingVisit, days)];
        batch.Add(person, Build(ClaimKind.VisitingNursing, person, provider, month, batch.NextNumber(ClaimKind.VisitingNursing, provider), false, days, lines,
            Diagnoses(ClaimCatalog.NursingDiseases, 1, month, rng), null));
    }

    /// <summary>
    /// 調剤: one receipt per person, pharmacy and prescriber in the month (調剤 receipts are per prescriber). A person's
    /// prescriptions from two prescribers go to two pharmacies: the DUP check keys a pharmacy receipt by provider and
    /// person, not by prescriber, so two receipts of one pharmacy for one person would read as a duplicate.
    /// </summary>
    private void Pharmacy(Batch batch, YearMonth month, Rng rng, List<Prescription> prescriptions)
    {
        var used = new HashSet<(string Person, string Pharmacy)>();
        foreach (var group in prescriptions.GroupBy(p => (p.Person, p.Prescriber)))
        {
            var person = group.Key.Person;
            var pharmacy = rng.Chance(0.85) ? person.HomePharmacy : rng.Pick(population.Pharmacies);
            while (!used.Add((person.Id, pharmacy))) pharmacy = rng.Pick(population.Pharmacies);
            var days = group.Select(p => p.Day).Distinct().Order().ToList();
            var lines = ImmutableArray.CreateBuilder<ServiceLine>();
            lines.Add(Line(ClaimCatalog.DispensingBase, days));
            lines.Add(Line(ClaimCatalog.Compounding, days));
            if (rng.Chance(0.8)) lines.Add(Line(ClaimCatalog.MedicationGuidance, days));
            foreach (var p in group)
                foreach (var (drug, supply) in p.Drugs)
                    lines.Add(DrugLine(drug, supply, p.Day));
            batch.Add(person, Build(ClaimKind.Pharmacy, person, pharmacy, month, batch.NextNumber(ClaimKind.Pharmacy, pharmacy), false, days,
                lines.ToImmutable(), [], group.Key.Prescriber));
        }
    }

    private static ImmutableArray<Diagnosis> Diagnoses(ClaimCatalog.Disease[] from, int count, YearMonth month, Rng rng) =>
        Enumerable.Range(0, count).Select(_ => rng.Pick(from)).DistinctBy(d => d.Code)
            .Select((d, i) => new Diagnosis(d.Code, month.AddMonths(-rng.Next(24)).Value * 100 + 1, 1, i == 0)).ToImmutableArray();

    /// <summary>A receipt with other lines (and days): totals and copay follow, so TOTAL stays clean.</summary>
    internal static Receipt WithLines(Receipt r, ImmutableArray<ServiceLine> lines, int? days = null)
    {
        var points = lines.Sum(l => l.Contribution);
        var burden = 100 - (r.BenefitRatio ?? 70);
        return r with { Lines = lines, Days = days ?? r.Days, DeclaredPoints = (int)points, ComputedPoints = points, CopayYen = (int)((points * 10 * burden + 500) / 1000 * 10) };
    }

    internal static Receipt Build(ClaimKind kind, Person person, string provider, YearMonth month, int number, bool inpatient, List<int> days,
        ImmutableArray<ServiceLine> lines, ImmutableArray<Diagnosis> diagnoses, string? prescriber)
    {
        var points = lines.Sum(l => l.Contribution);
        var burden = person.BurdenPctAt(month);
        var age = person.AgeAt(month);
        // レセプト種別 4th digit: 本人/家族 is not modelled, so under-70s are 本人.
        var typeDigit4 = (age, inpatient) switch
        {
            ( < 6, true) => '3', ( < 6, false) => '4',
            ( >= 70, _) when person.SeventyPlusClass.StartsWith("現役並み") => inpatient ? '9' : '0',
            ( >= 70, true) => '7', ( >= 70, false) => '8',
            (_, true) => '1', _ => '2',
        };
        var type = $"{(int)kind}{(person.Scheme == Scheme.Kouki ? '3' : '1')}1{typeDigit4}";
        return new Receipt(
            new ReceiptKey(provider, month.AddMonths(1), number), kind, type, month, person.Card,
            person.Scheme == Scheme.Kokuho ? person.Branch : null, person.Sex, person.BirthDate, "シンサ　タロウ", 100 - burden,
            inpatient ? month.Value * 100 + days[0] : null, null, days.Count, (int)points, points,
            (int)((points * 10 * burden + 500) / 1000 * 10), [], diagnoses, lines, 0, prescriber);
    }
}
