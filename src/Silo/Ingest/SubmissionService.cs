using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Shinsa.Grains;
using Shinsa.Grains.Records;
using Shinsa.Ingestion.Eligibility;
using Shinsa.Ingestion.Uke;
using Shinsa.Silo.Actors;
using Shinsa.Silo.Hosting;
using Shinsa.Silo.Storage;

namespace Shinsa.Silo.Ingest;

/// <summary>How a submission went: accepted (durable), refused (not a claim file), or "try again later".</summary>
public abstract record SubmitResult
{
    public sealed record Accepted(string Id, bool Duplicate) : SubmitResult;
    public sealed record Refused(string Reason) : SubmitResult;
    public sealed record Busy(string Reason) : SubmitResult;
    public sealed record NotReady : SubmitResult;
}

/// <summary>
/// Parses, validates and appends submissions. A submission's id is the hash of its bytes, so a client that retries
/// after a lost acknowledgement, before or after a crash, gets the same id and changes nothing.
/// </summary>
public sealed class SubmissionService(
    ILogStore store, ActorHost host, IngestPipeline pipeline, ShinsaMetrics metrics, ILogger<SubmissionService> logger)
{
    public const string ClaimKind = "uke";
    private const char ClaimIdPrefix = 'u', RulesIdPrefix = 'r';

    /// <summary>The first letter names the input kind, so the same bytes posted to two endpoints are two submissions.</summary>
    public static string IdOf(char prefix, ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return prefix + Convert.ToHexStringLower(hash[..16]);
    }

    public static string ClaimIdOf(ReadOnlySpan<byte> bytes) => IdOf(ClaimIdPrefix, bytes);

    public SubmissionRow? Find(string id) => store.FindSubmission(id);

    /// <summary>True when every shard the submission wrote to has applied it.</summary>
    public bool IsApplied(SubmissionRow row) => host.IsApplied(row.LastSeqByShard);

    public async Task<SubmitResult> SubmitClaimFileAsync(byte[] bytes, string fileName)
    {
        if (!host.IsReady) return new SubmitResult.NotReady();
        var id = ClaimIdOf(bytes);
        if (store.FindSubmission(id) is not null) return new SubmitResult.Accepted(id, true);

        var parsed = UkeParser.Parse(bytes, fileName);
        if (parsed.IsFileRejected)
            return new SubmitResult.Refused(parsed.FileRejectionReason ?? "not a claim file");

        // The log carries a receipt as its grain will hold it, so a worker hands the grain the log's bytes instead of
        // encoding the receipt again.
        var entries = parsed.Receipts.Select(r => new EntryAppend(host.Map.ShardOf(r.Card), GrainCodec.EncodeArrival(r))).ToList();
        entries.AddRange(Entries(ClockRecords(parsed.Receipts.Select(r => r.ServiceMonth).DefaultIfEmpty().Max())));
        var row = new SubmissionRow(id, ClaimKind, fileName, parsed.Submitted, parsed.Accepted, parsed.Rejected, parsed.Points,
            parsed.Warnings.ToList(), parsed.Errors.Select(e => new SubmissionError(e.Line, e.Reason)).ToList(),
            new Dictionary<int, long>());
        var identities = parsed.Receipts.Select(r => new IdentityRow(IdentityRow.OfReceipt(r.Key), r.Card.Key, r.Branch ?? "")).ToList();
        var result = await AppendAsync(new SubmissionAppend(row, entries) { Identities = identities });
        if (result is SubmitResult.Accepted { Duplicate: false })
        {
            metrics.ReceiptsAccepted.Add(parsed.Accepted);
            metrics.ReceiptsRejected.Add(parsed.Rejected);
            logger.LogInformation("Submission {Id} from {File}: {Accepted} receipts accepted, {Rejected} rejected, {Points} points",
                id, fileName, parsed.Accepted, parsed.Rejected, parsed.Points);
        }
        return result;
    }

    public async Task<SubmitResult> SubmitCsvAsync(CsvFeed feed, byte[] bytes, string fileName)
    {
        if (!host.IsReady) return new SubmitResult.NotReady();
        var id = IdOf(feed.IdPrefix, bytes);
        if (store.FindSubmission(id) is not null) return new SubmitResult.Accepted(id, true);

        var parsed = feed.Parse(bytes, fileName);
        if (parsed.Refusal is not null) return new SubmitResult.Refused(parsed.Refusal);

        var records = parsed.Records.ToList();
        var row = new SubmissionRow(id, feed.Kind, fileName, parsed.Submitted, parsed.Accepted, parsed.Submitted - parsed.Accepted, 0,
            [], parsed.Errors.Select(e => new SubmissionError(e.Line, e.Reason)).ToList(), new Dictionary<int, long>());
        var append = new SubmissionAppend(row, Entries(records))
            { CardIndex = parsed.CardIndex ?? [], Identities = parsed.Identities, Waiting = parsed.Waiting, PersonCards = parsed.PersonCards };
        var result = await AppendAsync(append);
        if (result is SubmitResult.Accepted { Duplicate: false })
            logger.LogInformation("Submission {Id} ({Kind}) from {File}: {Accepted} rows accepted, {Rejected} rejected",
                id, feed.Kind, fileName, parsed.Accepted, parsed.Submitted - parsed.Accepted);
        return result;
    }

    private List<EntryAppend> Entries(IEnumerable<LogRecord> records) =>
        records.Select(r => new EntryAppend(r is IShardWide wide ? wide.Shard : host.Map.ShardOf(r.Card), GrainCodec.Encode(r))).ToList();

    /// <summary>
    /// The review clock is the latest service month claims have arrived for. A file that moves it appends a
    /// ClockAdvanced to every shard, after its receipts and in the same transaction, so timers fire through the log.
    /// Two files racing may both append one: harmless, the clock only takes the maximum.
    /// </summary>
    private IEnumerable<LogRecord> ClockRecords(YearMonth latest)
    {
        if (latest == default || !host.TryMoveClock(latest)) return [];
        return Enumerable.Range(0, host.ShardCount).Select(shard => (LogRecord)new ClockAdvanced(shard, latest));
    }

    /// <summary>
    /// A new rule file, appended to every shard's log (every household is re-reviewed under it). Every call is a change of
    /// its own: going back to an earlier rule file is a change too.
    /// </summary>
    public async Task<SubmitResult> ChangeRulesAsync(string json, string source)
    {
        if (!host.IsReady) return new SubmitResult.NotReady();
        return await AppendRulesAsync(json, source, RulesIdPrefix + Guid.NewGuid().ToString("N"));
    }

    /// <summary>
    /// Appends the configured rule file for every shard once over the rules the shards hold now: its id is derived from
    /// the file and those rules with the log positions that set them, so silos that start together with the same file
    /// over the same state append it once (each append re-reviews every household), while going back to this file after
    /// another one replaces rules set at other positions and gets another id.
    /// </summary>
    internal Task<SubmitResult> AppendRulesOverAsync(string json, string source)
    {
        var inForce = host.ShardRules().Select(s => $"{s.Seq}:{s.Json}").Distinct().Order(StringComparer.Ordinal);
        return AppendRulesAsync(json, source, IdOf(RulesIdPrefix, System.Text.Encoding.UTF8.GetBytes(string.Join('\0', inForce.Prepend(json)))));
    }

    /// <summary>Appends a rule file for every shard as submission <paramref name="id"/> (an id already stored appends nothing).</summary>
    private Task<SubmitResult> AppendRulesAsync(string json, string source, string id)
    {
        var rules = Grains.Review.RuleSet.Parse(json);
        var records = Enumerable.Range(0, host.ShardCount).Select(shard => (LogRecord)new RulesChanged(shard, json)).ToList();
        var row = new SubmissionRow(id, "rules", source, records.Count, records.Count, 0, 0,
            [$"rule set version {rules.Version}"], [], new Dictionary<int, long>());
        logger.LogInformation("Rule set version {Version} from {Source} goes to {Shards} shards", rules.Version, source, records.Count);
        return AppendAsync(new SubmissionAppend(row, Entries(records)));
    }

    private async Task<SubmitResult> AppendAsync(SubmissionAppend append)
    {
        if (!host.TryAdmit(append.Entries.Count))
        {
            metrics.Throttled.Add(1);
            return new SubmitResult.Busy($"{host.Backlog} records are waiting to be applied");
        }
        var pending = new PendingSubmission(append);
        if (!pipeline.TryEnqueue(pending))
        {
            host.Release(pending.RecordCount);
            metrics.Throttled.Add(1);
            return new SubmitResult.Busy("too many files are waiting to be appended");
        }
        var outcome = await pending.Done.Task;
        if (!outcome.Duplicate) metrics.Submissions.Add(1);
        return new SubmitResult.Accepted(outcome.Id, outcome.Duplicate);
    }
}
