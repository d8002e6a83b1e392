namespace Shinsa.Ingestion.Masters;

/// <summary>
/// Field positions (1-based) of the official 基本マスター CSV files (社会保険診療報酬支払基金, Shift_JIS, quoted).
/// Field 2 is the master type (Y, S, B, T, Z). Corrections belong here.
/// </summary>
public static class MasterLayout
{
    public const int Type = 2;

    public static class Drug // 医薬品マスター (y)
    {
        public const int MinFields = 32;
        public const int Code = 3, Name = 5, Unit = 10, Price = 12, Generic = 17, DosageForm = 28, PriceListCode = 32;
        public const string OralDosageForm = "1"; // 剤形 1 内用薬, 3 その他, 4 注射薬, 6 外用薬
    }

    public static class Procedure // 診療行為マスター (s)
    {
        public const int MinFields = 12;
        public const int Code = 3, Name = 5, Points = 12;
    }

    public static class Disease // 傷病名マスター (b)
    {
        public const int MinFields = 16;
        public const int Code = 3, Name = 6, Icd10 = 16;
    }

    public static class Material // 特定器材マスター (t)
    {
        public const int MinFields = 12;
        public const int Code = 3, Name = 5, Price = 12;
    }

    public static class Modifier // 修飾語マスター (z)
    {
        public const int MinFields = 7;
        public const int Code = 3, Name = 7; // field 6 is the name's 有効桁数
    }
}
