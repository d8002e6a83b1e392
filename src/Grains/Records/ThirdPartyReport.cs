namespace Shinsa.Grains.Records;

/// <summary>傷病届: the insured reported an injury caused by a third party (交通事故 …), which closes THIRD candidates.</summary>
public sealed record ThirdPartyReport(HouseholdCard Card, string Branch, int ReportDate, string Cause, int SourceLine);
