namespace Shinsa.Silo.Storage;

/// <summary>
/// How a batch of submissions goes into the log, decided before anything is written: which submissions are new
/// (a duplicate id, stored or earlier in the batch, is reported and skipped), and the positions of their entries (the
/// submission's own, then the waiting records its identities release, see <see cref="IdentityPlan"/>). Both stores
/// write this same layout inside their append transaction, each in its own way (row by row, or COPY).
/// </summary>
internal sealed class AppendLayout
{
    private AppendLayout(long lastSeq) => LastSeq = lastSeq;

    public List<AppendOutcome> Outcomes { get; } = new();
    /// <summary>The new submissions, with the last log position of each shard they wrote to.</summary>
    public List<(SubmissionAppend Item, SubmissionRow Row)> Stored { get; } = new();
    public List<(long Seq, EntryAppend Entry)> Entries { get; } = new();
    /// <summary>The log position of the last entry laid out (the store's last position when nothing was).</summary>
    public long LastSeq { get; private set; }

    public static AppendLayout Of(IReadOnlyList<SubmissionAppend> batch, long lastSeq, Func<string, bool> alreadyStored, IdentityPlan plan)
    {
        var layout = new AppendLayout(lastSeq);
        var seen = new HashSet<string>();
        foreach (var item in batch)
        {
            var id = item.Submission.Id;
            if (!seen.Add(id) || alreadyStored(id))
            {
                layout.Outcomes.Add(new AppendOutcome(id, true, null));
                continue;
            }
            var firstSeq = layout.LastSeq + 1;
            var lastByShard = new Dictionary<int, long>();
            var resolved = plan.Plan(item);
            foreach (var entry in item.Entries.Concat(resolved))
            {
                layout.Entries.Add((++layout.LastSeq, entry));
                lastByShard[entry.Shard] = layout.LastSeq;
            }
            layout.Stored.Add((item, item.Submission with { LastSeqByShard = lastByShard }));
            layout.Outcomes.Add(new AppendOutcome(id, false, firstSeq) { Resolved = resolved });
        }
        return layout;
    }
}
