using System.Text;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Csv;
using Shinsa.Ingestion.Eligibility;

namespace Shinsa.Ingestion.Tests;

public class EligibilityCsvParserTests
{
    private const string Header =
        "event,person_id,household_id,insurer_no,card_symbol,card_number,branch,birth_date,sex,valid_from,valid_to,burden_pct,income_class,system";

    private static CsvParseResult<EligibilityEvent> Parse(params string[] rows) =>
        EligibilityCsvParser.Parse(Encoding.UTF8.GetBytes(string.Join("\r\n", rows) + "\r\n"), "elig.csv");

    [Fact]
    public void Good_rows_become_events()
    {
        var result = Parse(Header,
            "acquire,P1,H1,040014,１２,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho,extra,columns",
            "lose,P2,H2,39040012,,9001,00,1948-01-31,2,2023-04-01,2024-03-31,10,一般,kouki");

        Assert.Empty(result.Errors);
        Assert.Equal((2, 2, 0), (result.Submitted, result.Accepted, result.Rejected));
        var acquire = result.Rows[0];
        Assert.Equal(new EligibilityEvent(EligibilityEventKind.Acquire, "P1", "H1", new HouseholdCard("040014", "12", "345"), "01",
            19600401, 1, 20240401, null, 30, "ウ", InsuranceSystem.Kokuho, 2), acquire);
        var lose = result.Rows[1];
        Assert.Equal((EligibilityEventKind.Lose, 20240331, InsuranceSystem.Kouki, 3), (lose.Kind, lose.ValidTo!.Value, lose.System, lose.SourceLine));
    }

    [Theory]
    [InlineData("join,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho", "column event")]
    [InlineData("acquire,,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho", "column person_id is empty")]
    [InlineData("acquire,P1,H1,4001,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho", "column insurer_no")]
    [InlineData("acquire,P1,H1,040014,12,345,01,1960/04/01,1,2024-04-01,,30,ウ,kokuho", "column birth_date")]
    [InlineData("acquire,P1,H1,040014,12,345,01,1960-04-01,3,2024-04-01,,30,ウ,kokuho", "column sex")]
    [InlineData("acquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-02-30,,30,ウ,kokuho", "column valid_from")]
    [InlineData("acquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,2024-03-01,30,ウ,kokuho", "before valid_from")]
    [InlineData("lose,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho", "valid_to is required")]
    [InlineData("acquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,25,ウ,kokuho", "column burden_pct")]
    [InlineData("acquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,カ,kokuho", "column income_class")]
    [InlineData("acquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,shaho", "column system")]
    [InlineData("acquire,P1,H1,040014,12,345,01,1960-04-01", "columns, expected 14")]
    public void A_bad_row_is_rejected_with_its_line_and_column(string row, string reason)
    {
        var good = "acquire,P9,H9,040014,12,999,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho";
        var result = Parse(Header, good, row, good);
        Assert.Equal((3, 2, 1), (result.Submitted, result.Accepted, result.Rejected));
        var error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains(reason, error.Reason);
    }

    [Theory]
    [InlineData("event,person_id,household_id")]
    [InlineData("person_id,event,household_id,insurer_no,card_symbol,card_number,branch,birth_date,sex,valid_from,valid_to,burden_pct,income_class,system")]
    [InlineData("")]
    public void A_file_without_the_contract_header_is_rejected_as_a_whole(string header)
    {
        var result = Parse(header, "acquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho");
        Assert.True(result.IsFileRejected);
        Assert.Equal(0, result.Submitted);
    }

    [Fact]
    public void A_Shift_JIS_file_is_rejected_with_the_reason()
    {
        var bytes = Text.InputText.ShiftJis.GetBytes(Header + "\r\nacquire,P1,H1,040014,12,345,01,1960-04-01,1,2024-04-01,,30,ウ,kokuho\r\n");
        var result = EligibilityCsvParser.Parse(bytes, "sjis.csv");
        Assert.True(result.IsFileRejected);
        Assert.Contains("UTF-8", result.FileRejectionReason);
    }
}
