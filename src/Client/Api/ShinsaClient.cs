using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Shinsa.Client.Api;

/// <summary>The silo's refusal of a request, with the reason it gave (its problem detail).</summary>
public sealed class ShinsaApiException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>
/// A .NET client for the silo's HTTP API. Submissions are retried while the silo answers 429 (backlog full) or 503
/// (recovering), waiting as long as its Retry-After says; resubmitting is safe because submissions are idempotent.
/// </summary>
public sealed class ShinsaClient(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private int _retries;

    /// <summary>How many times a request was answered 429/503 and retried.</summary>
    public int Retries => _retries;

    /// <summary>Give up retrying a 429/503 after this long.</summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromMinutes(10);

    public static ShinsaClient For(string server, string? token = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(5) };
        if (!string.IsNullOrEmpty(token)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ShinsaClient(http);
    }

    public async Task<string> SubmitAsync(byte[] bytes, string fileName, CancellationToken ct = default)
    {
        using var response = await PostWithRetryAsync("api/v1/submissions", bytes, "application/octet-stream", fileName, ct);
        return (await Read<SubmissionAccepted>(response, ct)).Id;
    }

    public Task<RowsAccepted> SubmitEligibilityAsync(byte[] bytes, string fileName, CancellationToken ct = default) =>
        SubmitCsvAsync("api/v1/eligibility", bytes, fileName, ct);

    /// <summary>Posts a Shinsa CSV to its feed (see <see cref="InputKinds"/>); 202 with row counts.</summary>
    public async Task<RowsAccepted> SubmitCsvAsync(string feedPath, byte[] bytes, string fileName, CancellationToken ct = default)
    {
        using var response = await PostWithRetryAsync(feedPath, bytes, "text/csv", fileName, ct);
        return await Read<RowsAccepted>(response, ct);
    }

    public async Task<SubmissionStatus> GetSubmissionAsync(string id, CancellationToken ct = default)
    {
        using var response = await http.GetAsync($"api/v1/submissions/{Uri.EscapeDataString(id)}", ct);
        return await Read<SubmissionStatus>(response, ct);
    }

    public async Task<SubmissionStatus> WaitAppliedAsync(string id, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var status = await GetSubmissionAsync(id, ct);
            if (status.IsApplied) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"submission {id} is still '{status.Status}' after {timeout}");
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    /// <summary>The silo's CPU seconds so far (federation callers only; others get a 403 <see cref="ShinsaApiException"/>).</summary>
    public async Task<HostCpu> GetHostCpuAsync(CancellationToken ct = default)
    {
        using var response = await http.GetAsync("api/v1/host", ct);
        return await Read<HostCpu>(response, ct);
    }

    public async Task<KpiSummary> GetKpiSummaryAsync(string serviceMonth, string? insurer = null, string? provider = null, CancellationToken ct = default)
    {
        var query = $"service_month={Uri.EscapeDataString(serviceMonth)}";
        if (!string.IsNullOrEmpty(insurer)) query += $"&insurer={Uri.EscapeDataString(insurer)}";
        if (!string.IsNullOrEmpty(provider)) query += $"&provider={Uri.EscapeDataString(provider)}";
        using var response = await http.GetAsync($"api/v1/kpis/summary?{query}", ct);
        return await Read<KpiSummary>(response, ct);
    }

    /// <summary>
    /// Follows <c>GET /api/v1/kpis/stream?{query}</c> (server-sent events): yields each KPI object the silo pushes, as it
    /// arrives, until <paramref name="ct"/> is cancelled or the silo closes the stream.
    /// </summary>
    public async IAsyncEnumerable<JsonElement> WatchKpisAsync(string query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/kpis/stream?{query}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode) await Read<JsonElement>(response, ct); // throws with the silo's reason
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        string? eventName = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal)) eventName = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal) && eventName == "kpi")
            {
                using var doc = JsonDocument.Parse(line[5..]);
                yield return doc.RootElement.Clone();
            }
            else if (line.Length == 0) eventName = null;
        }
    }

    /// <summary>One page of an insurer's findings for a service month (GET /api/v1/findings).</summary>
    public async Task<FindingPage> GetFindingsAsync(string insurer, string serviceMonth, string? check = null, string? state = null, int page = 1,
        int pageSize = 1000, CancellationToken ct = default)
    {
        var query = $"insurer={Uri.EscapeDataString(insurer)}&service_month={Uri.EscapeDataString(serviceMonth)}&page={page}&page_size={pageSize}";
        if (!string.IsNullOrEmpty(check)) query += $"&check={Uri.EscapeDataString(check)}";
        if (!string.IsNullOrEmpty(state)) query += $"&state={Uri.EscapeDataString(state)}";
        using var response = await http.GetAsync($"api/v1/findings?{query}", ct);
        return await Read<FindingPage>(response, ct);
    }

    /// <summary>Every finding of an insurer's service month, all pages.</summary>
    public async Task<List<FindingItem>> GetAllFindingsAsync(string insurer, string serviceMonth, string? state = null, CancellationToken ct = default)
    {
        var all = new List<FindingItem>();
        for (var page = 1; ; page++)
        {
            var p = await GetFindingsAsync(insurer, serviceMonth, state: state, page: page, ct: ct);
            all.AddRange(p.Items);
            if (p.Items.Count == 0 || all.Count >= p.Total) return all;
        }
    }

    public async Task<bool> IsReadyAsync(CancellationToken ct = default)
    {
        try
        {
            using var response = await http.GetAsync("health/ready", ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<HttpResponseMessage> PostWithRetryAsync(string path, byte[] bytes, string contentType, string fileName, CancellationToken ct)
    {
        var giveUp = DateTime.UtcNow + RetryBudget;
        while (true)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            request.Headers.Add("X-File-Name", Path.GetFileName(fileName));
            var response = await http.SendAsync(request, ct);
            if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || DateTime.UtcNow > giveUp)
                return response;
            Interlocked.Increment(ref _retries);
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait, ct);
        }
    }

    private static async Task<T> Read<T>(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            var reason = text;
            try
            {
                using var problem = JsonDocument.Parse(text);
                if (problem.RootElement.TryGetProperty("detail", out var detail)) reason = detail.GetString() ?? text;
            }
            catch (JsonException) { }
            throw new ShinsaApiException(response.StatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}: {reason}");
        }
        return await response.Content.ReadFromJsonAsync<T>(Json, ct)
            ?? throw new ShinsaApiException(response.StatusCode, $"empty answer from {response.RequestMessage?.RequestUri}");
    }
}
