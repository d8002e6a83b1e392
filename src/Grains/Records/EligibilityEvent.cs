namespace Shinsa.Grains.Records;

public enum EligibilityEventKind : byte { Acquire = 1, Lose = 2, Change = 3 }

public enum InsuranceSystem : byte { Kokuho = 1, Kouki = 2, Kaigo = 3 }

/// <summary>One row of the eligibility feed (資格): a person's card and the period it is valid for.</summary>
public sealed record EligibilityEvent(
    EligibilityEventKind Kind,
    string PersonId,
    string HouseholdId,
    HouseholdCard Card,
    string Branch,            // 枝番
    int BirthDate,            // YYYYMMDD
    byte Sex,
    int ValidFrom,            // YYYYMMDD
    int? ValidTo,             // YYYYMMDD, null = open
    int BurdenPct,            // 10 | 20 | 30
    string IncomeClass,       // ア..オ or 現役並み3.. 低所得1
    InsuranceSystem System,
    int SourceLine);
