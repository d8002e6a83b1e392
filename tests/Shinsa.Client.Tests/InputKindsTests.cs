using System.Text;
using Shinsa.Client.Api;
using Shinsa.Ingestion.Csv;
using Shinsa.Ingestion.Eligibility;
using Shinsa.Tests.Common;

namespace Shinsa.Client.Tests;

public class InputKindsTests
{
    [Fact]
    public void A_csv_goes_to_the_feed_its_header_names_and_anything_else_is_a_claim_file()
    {
        byte[] Csv(string[] columns, string extra = "") => Encoding.UTF8.GetBytes(string.Join(',', columns) + extra + "\r\nrow\r\n");
        Assert.Equal("api/v1/eligibility", InputKinds.CsvFeedOf(Csv(EligibilityCsvParser.Columns)));
        Assert.Equal("api/v1/checkups", InputKinds.CsvFeedOf(Csv(CheckupCsv.Columns, ",note")));
        Assert.Equal("api/v1/third-party-reports", InputKinds.CsvFeedOf([0xEF, 0xBB, 0xBF, .. Csv(ThirdPartyReportCsv.Columns)]));
        Assert.Equal("api/v1/judo-claims", InputKinds.CsvFeedOf(Csv(JudoClaimCsv.Columns)));
        Assert.Equal("api/v1/withdrawals", InputKinds.CsvFeedOf(Csv(WithdrawalCsv.Columns)));
        Assert.Equal("api/v1/decisions", InputKinds.CsvFeedOf(Csv(DecisionCsv.Columns)));
        // A care claim's header starts with its withdrawal's contract (listed before it): it still goes to the care claims.
        Assert.Equal("api/v1/care-claims", InputKinds.CsvFeedOf(Csv(CareClaimCsv.Columns)));
        Assert.Equal("api/v1/care-claim-withdrawals", InputKinds.CsvFeedOf(Csv(CareClaimWithdrawalCsv.Columns)));
        Assert.Null(InputKinds.CsvFeedOf(TestFiles.SampleUkeBytes()));
        Assert.Null(InputKinds.CsvFeedOf(Csv(["insurer_no", "card_symbol"])));
    }
}
