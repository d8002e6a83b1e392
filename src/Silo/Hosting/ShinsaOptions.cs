namespace Shinsa.Silo.Hosting;

/// <summary>The silo's settings: section "Shinsa" of appsettings.json, environment variables Shinsa__*, flags.</summary>
public sealed class ShinsaOptions
{
    public const string Section = "Shinsa";

    /// <summary>"sqlite" (embedded, the default) or "postgres" (cluster mode; see <see cref="Postgres"/>).</summary>
    public string Storage { get; set; } = "sqlite";

    public PostgresOptions Postgres { get; set; } = new();

    public MastersOptions Masters { get; set; } = new();
    public RulesOptions Rules { get; set; } = new();
    public ReviewOptions Review { get; set; } = new();

    /// <summary>Where the embedded store lives (--data-dir).</summary>
    public string DataDir { get; set; } = "./data";

    /// <summary>
    /// Fixed per deployment: changing it re-partitions the log, so an existing data dir or database refuses another
    /// value. 0 (the default) means the store's own, or for a new store the default of its mode (<see cref="DeploymentShardCount"/>).
    /// </summary>
    public int ShardCount { get; set; }

    /// <summary>Workers that drive the shards; each shard belongs to exactly one, so grains need no locks.</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Most grains resident in memory at once, over all shards.</summary>
    public int ResidentGrainCap { get; set; } = 200_000;

    /// <summary>A grain untouched this long is snapshotted and dropped from memory.</summary>
    public TimeSpan IdleAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A shard writes a snapshot after this many applied records …</summary>
    public int SnapshotEveryRecords { get; set; } = 20_000;

    /// <summary>
    /// … or this long after its last one, whichever comes first. A worker applies nothing while it checkpoints, so short
    /// intervals (small checkpoints) keep the KPI streams' tail latency down: 1 s instead of 5 s took the freshness p99
    /// from 676–787 ms to 452–471 ms at 10,760 receipts/s, for 3–6 % of ingest throughput (README, Benchmark).
    /// </summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Records accepted but not yet applied. Past it, submissions get 429 with Retry-After.</summary>
    public int MaxBacklogRecords { get; set; } = 100_000;

    /// <summary>Largest request body accepted (a UKE file of a big hospital is tens of MB).</summary>
    public long MaxUploadBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>Seconds a client is told to wait after a 429 or a 503.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Cluster mode: a silo that has not renewed its shard leases for this long loses them to live silos.
    /// Silos heartbeat and renew every third of it.</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Cluster mode: the silo's member id; empty = host name, process id and a random suffix (a new member
    /// per start). A silo restarted under the same id takes its own leases back without waiting for them to expire.</summary>
    public string SiloId { get; set; } = "";

    /// <summary>Cluster mode: the URL other silos and the status page show for this silo; empty = its first listening URL.</summary>
    public string AdvertisedUrl { get; set; } = "";
}

public sealed class PostgresOptions
{
    /// <summary>Npgsql connection string, e.g. Host=127.0.0.1;Port=5432;Username=shinsa;Database=shinsa.</summary>
    public string ConnectionString { get; set; } = "";
}

public sealed class ReviewOptions
{
    /// <summary>Run the check catalogue and 高額療養費 on every record (false: keep records and KPIs only, e.g. to measure what the review costs).</summary>
    public bool Enabled { get; set; } = true;
}

public sealed class RulesOptions
{
    /// <summary>A rule file (JSON, see src/Grains/Review/starter-rules.json); empty = the starter rule set.</summary>
    public string File { get; set; } = "";
}

public sealed class MastersOptions
{
    /// <summary>A directory of official master CSV files (医薬品 y, 診療行為 s, 傷病名 b, 特定器材 t, 修飾語 z) laid over the
    /// bundled subset; empty = the bundled subset alone.</summary>
    public string Directory { get; set; } = "";
}
