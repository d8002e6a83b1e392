using System.Net.Http.Json;
using System.Text.Json;

namespace Shinsa.Silo.Tests;

/// <summary>
/// What a silo's review shows, in a form two runs can be compared by: every open finding, 高額療養費 row and the whole
/// KPI catalogue of each insurer and month (rates over populations, drugs, 柔整 and the review's counts included).
/// </summary>
internal static class ReviewReads
{
    public sealed record Review(List<string> Findings, List<string> HighCost, List<string> Catalogue);

    /// <summary>Every open finding (id, yen, receipts) and every 高額療養費 row of the given insurers and months, sorted.</summary>
    public static async Task<Review> ReadAsync(HttpClient client, IEnumerable<string> insurers, IReadOnlyList<string> months)
    {
        var findings = new List<string>();
        var highCost = new List<string>();
        var catalogue = new List<string>();
        foreach (var insurer in insurers)
            foreach (var month in months)
            {
                for (var page = 1; ; page++)
                {
                    var result = await client.GetFromJsonAsync<JsonElement>($"/api/v1/findings?insurer={insurer}&service_month={month}&state=open&page={page}&page_size=1000");
                    var items = result.GetProperty("items").EnumerateArray().ToList();
                    findings.AddRange(items.Select(f => $"{f.GetProperty("id").GetString()} {f.GetProperty("yen_at_stake").GetInt64()} " +
                        string.Join(',', f.GetProperty("receipts").EnumerateArray().Select(r => r.GetString()))));
                    if (items.Count < 1000) break;
                }
                var rows = await client.GetFromJsonAsync<JsonElement>($"/api/v1/high-cost?insurer={insurer}&service_month={month}");
                highCost.AddRange(rows.EnumerateArray().Select(r => r.GetRawText()));
                var kpis = await client.GetFromJsonAsync<JsonElement>($"/api/v1/kpis?scope=insurer&id={insurer}&service_month={month}");
                catalogue.AddRange(kpis.GetProperty("kpis").EnumerateArray().Select(k => $"{insurer} {month} {k.GetProperty("id").GetString()}={k.GetProperty("value")}"));
            }
        findings.Sort(StringComparer.Ordinal);
        highCost.Sort(StringComparer.Ordinal);
        return new Review(findings, highCost, catalogue);
    }
}
